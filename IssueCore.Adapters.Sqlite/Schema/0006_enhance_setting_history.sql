-- Enhance setting history: every put and delete of a setting, with who made it and when (a delete has no value).
-- The store keeps the newest EnhanceSettingChange.RetainedPerSetting rows per setting name.
CREATE TABLE enhance_setting_history (
    seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
    setting_id          TEXT    NOT NULL,
    orbit_blueprint_id  TEXT    NULL,
    selector            TEXT    NULL,
    verifier_axes       TEXT    NULL,
    ttl_ticks           INTEGER NULL,
    changed_by          TEXT    NULL,
    changed_at          INTEGER NOT NULL
);

CREATE INDEX ix_enhance_setting_history ON enhance_setting_history (setting_id, seq);

-- A store upgraded in place starts each setting's history with its current value (who is unknown).
INSERT INTO enhance_setting_history (setting_id, orbit_blueprint_id, selector, verifier_axes, ttl_ticks, changed_by, changed_at)
SELECT setting_id, orbit_blueprint_id, selector, verifier_axes, ttl_ticks, NULL, updated_at FROM enhance_settings ORDER BY setting_id;
