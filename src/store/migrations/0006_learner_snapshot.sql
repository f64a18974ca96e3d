-- The learner's state after a replay (`learner::snapshot`), a cache with one row: the
-- highest turn and grade ids it covers, and the state as JSON.
CREATE TABLE learner_snapshot (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    turn_id    INTEGER NOT NULL,
    grade_id   INTEGER NOT NULL,
    state      TEXT NOT NULL
);
