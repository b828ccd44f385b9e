-- Series ids are listed in ordinal order (COLLATE "C"), whatever the database's collation: this index serves each
-- page of that list as a range scan that starts after the previous page's last id.
CREATE INDEX blueprints_id_ordinal ON {schema}.blueprints (id COLLATE "C");
