-- Full-text search over answers and their latest feedback (`viva review search`), kept in
-- step by triggers so that no writer has to know about it; filled from what is stored.
CREATE VIRTUAL TABLE turns_fts USING fts5(answer, feedback, tokenize = 'porter unicode61');
INSERT INTO turns_fts (rowid, answer, feedback)
    SELECT t.id, t.answer, COALESCE((SELECT json_extract(g.grade, '$.feedback') FROM grades g
                                     WHERE g.turn_id = t.id ORDER BY g.id DESC LIMIT 1), '')
    FROM turns t;
CREATE TRIGGER turns_fts_turn AFTER INSERT ON turns BEGIN
    INSERT INTO turns_fts (rowid, answer, feedback) VALUES (NEW.id, NEW.answer, '');
END;
CREATE TRIGGER turns_fts_grade AFTER INSERT ON grades BEGIN
    UPDATE turns_fts SET feedback = COALESCE(json_extract(NEW.grade, '$.feedback'), '')
    WHERE rowid = NEW.turn_id;
END;
CREATE INDEX turns_answered ON turns(answered_at);
