-- A covering index for the learner's replay (`answer_records`, run at every start):
-- without it the scan reads each turn's row past its prompt and answer, and on a long
-- history that was most of the start-up time.
CREATE INDEX turns_replay ON turns(retry_of, answered_at, id, parent_id, question_id, topic,
                                   difficulty, skipped);
