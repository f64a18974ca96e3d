-- Every model call the client makes (in the manner of simonw/llm): what it was for, the
-- request body sent (never the key or headers), the raw reply, tokens, time and outcome.
-- `error` is NULL when the call succeeded; `turn_id` names the turn the call graded, when the
-- caller knows it.
CREATE TABLE calls (
    id             INTEGER PRIMARY KEY,
    created_at     INTEGER NOT NULL,
    purpose        TEXT NOT NULL,
    model          TEXT NOT NULL,
    api_base       TEXT NOT NULL,
    request        TEXT NOT NULL,
    reply          TEXT,
    finish_reason  TEXT,
    tokens_in      INTEGER,
    tokens_out     INTEGER,
    duration_ms    INTEGER NOT NULL,
    error          TEXT,
    turn_id        INTEGER REFERENCES turns(id)
);
