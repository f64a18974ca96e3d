//! One session's graded transcript as every renderer reads it: the questions in the order the
//! session asked them, numbered as it numbered them, each with its follow-ups. Built once from
//! the store's records so that `viva review show`, the Markdown export and the HTML export agree
//! on what a transcript holds and only differ in how they write it.

use crate::store::{SessionExport, SessionSummary, StoredGrade, TurnExport, TurnRecord};

pub struct Transcript<'a> {
    pub session: &'a SessionSummary,
    pub questions: Vec<AskedQuestion<'a>>,
}

/// A question the session asked, with the follow-ups asked on its answer.
pub struct AskedQuestion<'a> {
    /// From 1, in the order asked; follow-ups share their question's number.
    pub number: usize,
    pub turn: TranscriptTurn<'a>,
    pub follow_ups: Vec<TranscriptTurn<'a>>,
}

/// One asked prompt and what became of it.
pub struct TranscriptTurn<'a> {
    /// The prompt, the answer, the effective grade, the delivery and the disputes.
    pub record: &'a TurnRecord,
    /// Every grade of the turn, oldest first: re-grades keep the history.
    pub grades: &'a [StoredGrade],
}

impl<'a> Transcript<'a> {
    pub fn new(export: &'a SessionExport) -> Transcript<'a> {
        let turn = |t: &'a TurnExport| TranscriptTurn {
            record: &t.turn,
            grades: &t.grades,
        };
        let questions = export
            .turns
            .iter()
            .filter(|t| t.turn.parent_id.is_none())
            .enumerate()
            .map(|(i, q)| AskedQuestion {
                number: i + 1,
                turn: turn(q),
                follow_ups: export
                    .turns
                    .iter()
                    .filter(|f| f.turn.parent_id == Some(q.turn.id))
                    .map(turn)
                    .collect(),
            })
            .collect();
        Transcript {
            session: &export.summary,
            questions,
        }
    }

    /// Questions asked, answered and the session's scores, on one line.
    pub fn tally(&self) -> String {
        let s = self.session;
        format!(
            "{} · {} answered · {}",
            crate::render::plural(s.questions, "question"),
            s.answered,
            crate::render::scores_line(&s.scores)
        )
    }
}
