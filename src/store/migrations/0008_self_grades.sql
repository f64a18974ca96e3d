-- A turn's self-checked grades (grader 'self'), found without reading its other grades: a
-- self-checked grade is the turn's effective grade however many re-grades come after it.
CREATE INDEX grades_self ON grades(turn_id, id, score, outcome) WHERE grader = 'self';
