-- Enhance setting history: every put and delete of a setting, with who made it and when (a delete has no value).
-- The store keeps the newest EnhanceSettingChange.RetainedPerSetting rows per setting name.
CREATE TABLE {schema}.enhance_setting_history (
    seq          bigint       GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    setting_id   text         NOT NULL,
    setting      text         NULL,
    changed_by   text         NULL,
    changed_at   timestamptz  NOT NULL
);

CREATE INDEX ix_enhance_setting_history ON {schema}.enhance_setting_history (setting_id, seq);

-- A store upgraded in place starts each setting's history with its current value (who is unknown).
INSERT INTO {schema}.enhance_setting_history (setting_id, setting, changed_by, changed_at)
SELECT id, setting, NULL, updated_at FROM {schema}.enhance_settings ORDER BY id;
