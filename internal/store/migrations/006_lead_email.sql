-- A lead's e-mail address (optional): the data-quality rules find leads keyed
-- in twice by it. Files without the column import as before, leaving it blank.
ALTER TABLE leads ADD COLUMN email VARCHAR;
