-- Council events are stored by the batch they were appended in: one row per append call, holding the events of that
-- call as one JSON array (Brotli-compressed when it is large enough to gain). A dispatch's recorded run (18 events or
-- more) was 18 rows, each with an entry in the unique index and with the index and table pages they split; it is now
-- one row of about a fifth of the bytes.
--
--   encoding     0: body is the UTF-8 JSON array; 1: body is that array compressed with Brotli.
--   body_length  the length in bytes of the JSON array (of body itself when encoding is 0).
--   events       how many events the array holds, from first_sequence to last_sequence in order (with gaps only
--                where a truncation removed events).
--   min_wave, max_wave  the waves of the batch's events, so a truncation rewrites only the batches it cuts.
--
-- Each element of the array is {"s": sequence minus first_sequence, "w": wave, "k": kind, "n": node id or null,
-- "t": timestamp ticks, "p": payload}. The batches of a run never overlap: the unique index on (run_id, last_sequence) orders them and
-- serves reads from a sequence on, the overlap check of an append, truncations and purges.
CREATE TABLE council_event_batches (
    id              INTEGER PRIMARY KEY,
    run_id          TEXT    NOT NULL,
    first_sequence  INTEGER NOT NULL,
    last_sequence   INTEGER NOT NULL CHECK (last_sequence >= first_sequence),
    events          INTEGER NOT NULL CHECK (events >= 1),
    min_wave        INTEGER NOT NULL,
    max_wave        INTEGER NOT NULL,
    encoding        INTEGER NOT NULL CHECK (encoding IN (0, 1)),
    body_length     INTEGER NOT NULL CHECK (body_length >= 0),
    body            BLOB    NOT NULL
);

-- The events stored before this version become batches of one event each, in their append order, without compression.
INSERT INTO council_event_batches (run_id, first_sequence, last_sequence, events, min_wave, max_wave, encoding, body_length, body)
SELECT run_id, sequence, sequence, 1, wave, wave, 0, length(body), body
FROM (
    SELECT id, run_id, sequence, wave,
           CAST(json_array(json_object('s', 0, 'w', wave, 'k', kind, 'n', node_id, 't', timestamp, 'p', json(payload))) AS BLOB) AS body
    FROM council_events
)
ORDER BY id;

DROP TABLE council_events;

CREATE UNIQUE INDEX ux_council_event_batches_run_last ON council_event_batches (run_id, last_sequence);
