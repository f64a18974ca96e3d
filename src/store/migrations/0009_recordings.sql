-- Spoken answers: the recording kept with each spoken turn (its path under $VIVA_HOME, NULL when
-- audio is not kept), its length, and whether it is transcribed yet. A 'pending' recording's
-- turn has an empty answer until `viva regrade` transcribes it; word timings are JSON.
CREATE TABLE recordings (
    turn_id      INTEGER PRIMARY KEY REFERENCES turns(id),
    audio_path   TEXT,
    audio_ms     INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('transcribed', 'pending')),
    transcriber  TEXT,
    words        TEXT
);
CREATE INDEX recordings_pending ON recordings(status) WHERE status = 'pending';
-- Pace used to be measured from typing or paste speed, which says nothing about speech: every
-- answer stored so far was typed, so its pace, and any note about it, goes.
UPDATE delivery SET
    wpm = NULL,
    metrics = json_set(
        json_remove(metrics, '$.wpm'),
        '$.notes',
        json((SELECT json_group_array(value) FROM json_each(delivery.metrics, '$.notes')
              WHERE value NOT LIKE '%words a minute is fast%')));
