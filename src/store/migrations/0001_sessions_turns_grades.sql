-- Sessions, turns (a follow-up points at its parent turn), grades (several per turn).
CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    started_at  INTEGER NOT NULL,
    ended_at    INTEGER,
    settings    TEXT NOT NULL
);
CREATE TABLE turns (
    id           INTEGER PRIMARY KEY,
    session_id   INTEGER NOT NULL REFERENCES sessions(id),
    parent_id    INTEGER REFERENCES turns(id),
    seq          INTEGER NOT NULL,
    question_id  TEXT NOT NULL,
    topic        TEXT NOT NULL,
    kind         TEXT NOT NULL,
    difficulty   TEXT NOT NULL,
    prompt       TEXT NOT NULL,
    answer       TEXT NOT NULL,
    skipped      INTEGER NOT NULL DEFAULT 0,
    hints        INTEGER NOT NULL DEFAULT 0,
    asked_at     INTEGER NOT NULL,
    answered_at  INTEGER NOT NULL
);
CREATE INDEX turns_session ON turns(session_id, seq);
CREATE INDEX turns_question ON turns(question_id);
CREATE TABLE grades (
    id          INTEGER PRIMARY KEY,
    turn_id     INTEGER NOT NULL REFERENCES turns(id),
    created_at  INTEGER NOT NULL,
    grader      TEXT NOT NULL,
    model       TEXT,
    score       INTEGER NOT NULL,
    outcome     TEXT NOT NULL,
    grade       TEXT NOT NULL
);
CREATE INDEX grades_turn ON grades(turn_id, id);
