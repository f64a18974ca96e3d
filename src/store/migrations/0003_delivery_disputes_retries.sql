-- Delivery per turn (speech), disputes about a grade, retries of a question. A retry is
-- a child turn (`parent_id`, so it is not counted as a question) with `retry_of` set to the
-- attempt it repeats; a follow-up has `retry_of` NULL. A dispute with status 'pending' flags
-- its turn for re-grading.
CREATE TABLE delivery (
    turn_id          INTEGER PRIMARY KEY REFERENCES turns(id),
    words            INTEGER NOT NULL,
    fillers          INTEGER NOT NULL,
    fillers_per_100  REAL NOT NULL,
    hedges           INTEGER NOT NULL,
    restarts         INTEGER NOT NULL,
    wpm              REAL,
    metrics          TEXT NOT NULL
);
CREATE TABLE disputes (
    id            INTEGER PRIMARY KEY,
    turn_id       INTEGER NOT NULL REFERENCES turns(id),
    created_at    INTEGER NOT NULL,
    objection     TEXT NOT NULL,
    grade_before  INTEGER REFERENCES grades(id),
    grade_after   INTEGER REFERENCES grades(id),
    status        TEXT NOT NULL CHECK (status IN ('pending', 'regraded'))
);
CREATE INDEX disputes_turn ON disputes(turn_id, id);
ALTER TABLE turns ADD COLUMN retry_of INTEGER REFERENCES turns(id);
