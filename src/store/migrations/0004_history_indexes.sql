-- Covering indexes for questions asked of the whole history (the report, a learner replay):
-- the latest grade of a turn with its score and outcome, without reading the grade JSON; the
-- answered turns in time order, without reading prompts and answers. The first makes the
-- old (turn_id, id) index redundant.
CREATE INDEX grades_latest ON grades(turn_id, id, score, outcome);
DROP INDEX grades_turn;
CREATE INDEX turns_timeline ON turns(parent_id, skipped, answered_at, id, question_id, topic);
