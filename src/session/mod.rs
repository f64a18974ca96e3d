//! The interview state machine: ask → answer → grade → follow-up → next. It knows nothing of
//! terminals: a front end (the REPL, or a test with scripted answers) calls `ask_next`, then
//! `answer`, `skip` or `hint`, and finally `finish`. Every answer is stored before it is graded,
//! with its delivery (`delivery`). Between questions the front end may ask about the last answer:
//! `why`, `model_answer`, `retry`, `dispute`.

mod dispute;
mod summary;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::bank::{Bank, Question};
use crate::clock::now_ms;
use crate::delivery::{self, Delivery};
use crate::grade::hint::{self, Hint};
use crate::grade::{Grade, Grader, Outcome, PracticeOnly, Verdict};
use crate::learner::{Evidence, Params, Status, snapshot};
use crate::rubric::{Rubric, Rubrics};
use crate::select::{self, Filters, History, Rng};
use crate::store::{NewRecording, NewTurn, RecordingStatus, Store};
use crate::voice::{Spoken, Untranscribed};

pub use dispute::Disputed;
pub use summary::Scorecard;
use summary::TurnOutcome;

/// How the interview is run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Feedback after every answer; hints (each rung costs more, see `grade::hint`), the model answer
    /// after an attempt, retries.
    Study,
    /// As in a real interview: a time limit per question, no hints, feedback held back until
    /// the end of the session.
    Real { minutes: f64 },
}

impl Mode {
    pub fn is_real(self) -> bool {
        matches!(self, Mode::Real { .. })
    }

    pub fn time_limit_ms(self) -> Option<i64> {
        match self {
            Mode::Study => None,
            Mode::Real { minutes } => Some((minutes * 60_000.0).round() as i64),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    /// How many questions to ask (follow-ups not counted).
    pub count: usize,
    pub filters: Filters,
    pub seed: u64,
    /// Follow-up questions at most per question.
    pub follow_ups: u32,
    pub mode: Mode,
}

/// The question being asked.
#[derive(Debug, Clone)]
pub struct Asked {
    /// 1-based position in the session; a follow-up or a retry shares its question's number.
    pub number: usize,
    pub total: usize,
    pub question: Question,
    pub reason: String,
    pub follow_up: bool,
    /// Asked again at the candidate's request (`/retry`).
    pub retry: bool,
}

/// A stored answer and its grade.
#[derive(Debug, Clone)]
pub struct Answered {
    /// None when grading failed; the answer is stored and can be re-graded later.
    pub grade: Option<Grade>,
    pub error: Option<String>,
    /// Why the answer is practice, stored but not scored (a follow-up no grader here can
    /// check); then `grade` and `error` are None.
    pub practice: Option<String>,
    pub delivery: Delivery,
}

/// One answered turn, kept for the questions a candidate may ask about it afterwards.
#[derive(Debug, Clone)]
pub struct AnsweredTurn {
    pub turn_id: i64,
    pub number: usize,
    pub question: Question,
    pub answer: String,
    /// The grader's latest grade (a dispute may replace it).
    pub grade: Option<Grade>,
    /// The candidate's own check of `grade`, which counts instead of it where both exist.
    pub self_check: Option<Grade>,
    pub delivery: Delivery,
    pub follow_up: bool,
    pub retry: bool,
    pub hints: u32,
    /// How far past the time limit the answer came (real mode).
    pub over_ms: Option<i64>,
    /// The question's first turn, parent of follow-ups and retries.
    root: i64,
}

/// An answer's evidence for the learner, not yet given to it.
struct Unrecorded {
    question: Question,
    evidence: Option<Evidence>,
    turn_id: i64,
    follow_up: bool,
}

struct Current {
    /// What is asked: the bank question, or a follow-up built from it.
    question: Question,
    number: usize,
    reason: String,
    /// The turn a follow-up or a retry belongs to.
    parent: Option<i64>,
    /// Follow-ups already asked for this bank question.
    depth: u32,
    asked_at: i64,
    hints: u32,
    follow_up: bool,
    retry_of: Option<i64>,
}

pub struct Session<'a> {
    bank: &'a Bank,
    rubrics: &'a Rubrics,
    grader: &'a dyn Grader,
    store: &'a Store,
    settings: Settings,
    id: i64,
    started_at: i64,
    rng: Rng,
    history: History,
    asked: Vec<String>,
    current: Option<Current>,
    /// A follow-up waiting to be asked.
    pending: Option<Current>,
    /// A question set aside by `/retry`, asked once the retry is answered.
    deferred: Option<Current>,
    results: Vec<TurnOutcome>,
    attempts: Vec<AnsweredTurn>,
    /// The last question's evidence for the learner, held until the next question so that a
    /// self-check of its grade counts instead of the grade: (question, evidence, turn id).
    unrecorded: Option<Unrecorded>,
    follow_ups_asked: usize,
    /// Turns stored so far: the next turn's `seq`.
    seq: u32,
    tokens: (u64, u64),
    cost: Option<f64>,
    ended_at: Option<i64>,
}

/// The question a follow-up asked as `text` after `answer` is graded against: a bank
/// follow-up's own rubric, or for one without (a model's own) the points of `parent` its grade
/// says were not yet made (see `Question::follow_up`).
pub fn follow_up_question(parent: &Question, grade: &Grade, text: &str, answer: &str) -> Question {
    let open: Vec<String> = grade
        .key_points
        .iter()
        .filter(|k| k.verdict != Verdict::Covered)
        .map(|k| k.point.clone())
        .collect();
    parent.follow_up(text, answer, &open)
}

/// What a grade tells the learner.
fn evidence(g: &Grade) -> Evidence {
    match g.outcome {
        Outcome::Graded => Evidence::Score(f64::from(g.score.min(100)) / 100.0),
        Outcome::InsufficientEvidence => Evidence::NoAnswer,
    }
}

/// Takes the hint cost off a graded answer and says so in the grade.
pub fn charge_hints(grade: &mut Grade, hints: u32) {
    if hints == 0 || grade.outcome != Outcome::Graded {
        return;
    }
    let cost = hint::total_cost(hints);
    let raw = grade.score;
    grade.score = raw.saturating_sub(cost);
    let costs: Vec<String> = hint::COSTS[..(hints as usize).min(hint::COSTS.len())]
        .iter()
        .map(u8::to_string)
        .collect();
    grade.notes.push(format!(
        "{hints} hint{} used: {raw} − {cost} = {} (the hints cost {} points)",
        if hints == 1 { "" } else { "s" },
        grade.score,
        costs.join(" + ")
    ));
}

impl<'a> Session<'a> {
    pub fn start(
        bank: &'a Bank,
        rubrics: &'a Rubrics,
        grader: &'a dyn Grader,
        store: &'a Store,
        settings: Settings,
    ) -> Result<Session<'a>> {
        let started_at = now_ms();
        let id = store.start_session(started_at, &serde_json::to_value(&settings)?)?;
        let topics = bank.topics().iter().map(|t| t.id.clone()).collect();
        let learner = snapshot::load(store, topics, Params::default())?;
        let history = History::new(learner, store.asked_questions()?, started_at);
        Ok(Session {
            bank,
            rubrics,
            grader,
            store,
            rng: Rng::new(settings.seed),
            settings,
            id,
            started_at,
            history,
            asked: Vec::new(),
            current: None,
            pending: None,
            deferred: None,
            results: Vec::new(),
            attempts: Vec::new(),
            unrecorded: None,
            follow_ups_asked: 0,
            seq: 0,
            tokens: (0, 0),
            cost: None,
            ended_at: None,
        })
    }

    pub fn id(&self) -> i64 {
        self.id
    }

    pub fn mode(&self) -> Mode {
        self.settings.mode
    }

    pub fn rubric(&self, question: &Question) -> &Rubric {
        self.rubrics.for_kind(question.kind)
    }

    fn asked_from(&self, c: &Current) -> Asked {
        Asked {
            number: c.number,
            total: self.settings.count,
            question: c.question.clone(),
            reason: c.reason.clone(),
            follow_up: c.follow_up,
            retry: c.retry_of.is_some(),
        }
    }

    /// Asks the pending follow-up, the question set aside by a retry, or chooses the next
    /// question; None when the session is complete.
    pub fn ask_next(&mut self) -> Result<Option<Asked>> {
        self.record_evidence()?;
        Ok(self.choose_next())
    }

    /// Gives the learner the evidence held back for a self-check.
    fn record_evidence(&mut self) -> Result<()> {
        let Some(u) = self.unrecorded.take() else {
            return Ok(());
        };
        match (u.follow_up, u.evidence) {
            (false, evidence) => self.history.record(&u.question, evidence, now_ms())?,
            (true, Some(evidence)) => {
                self.history
                    .record_follow_up(&u.question, evidence, now_ms())?
            }
            (true, None) => {}
        }
        Ok(())
    }

    fn choose_next(&mut self) -> Option<Asked> {
        if let Some(mut next) = self.pending.take().or_else(|| self.deferred.take()) {
            next.asked_at = now_ms();
            if next.follow_up {
                self.follow_ups_asked += 1;
            }
            let asked = self.asked_from(&next);
            self.current = Some(next);
            return Some(asked);
        }
        if self.asked.len() >= self.settings.count {
            return None;
        }
        let pick = select::pick(
            self.bank,
            &self.settings.filters,
            self.settings.count,
            &mut self.history,
            &mut self.rng,
        )?;
        Some(self.ask_new(pick.question.clone(), pick.reason))
    }

    /// Shows a question not asked before in this session.
    fn ask_new(&mut self, question: Question, reason: String) -> Asked {
        self.asked.push(question.id.clone());
        let current = Current {
            question,
            number: self.asked.len(),
            reason,
            parent: None,
            depth: 0,
            asked_at: now_ms(),
            hints: 0,
            follow_up: false,
            retry_of: None,
        };
        let asked = self.asked_from(&current);
        self.current = Some(current);
        asked
    }

    /// Asks first the question a candidate was answering when viva was closed, as it was shown
    /// (a follow-up keeps its text); None when the bank no longer has it.
    pub fn resume(&mut self, id: &str, prompt: &str) -> Option<Asked> {
        let bank_question = self.bank.get(id)?;
        let question = if bank_question.prompt == prompt {
            bank_question.clone()
        } else {
            // A follow-up: its answer to the question before was not kept across the restart.
            bank_question.follow_up(prompt, "", &[])
        };
        Some(self.ask_new(
            question,
            "resumed: you were answering it when viva was closed".to_string(),
        ))
    }

    pub fn current(&self) -> Option<&Question> {
        self.current.as_ref().map(|c| &c.question)
    }

    /// Hints taken on the current question so far.
    pub fn hints_used(&self) -> u32 {
        self.current.as_ref().map_or(0, |c| c.hints)
    }

    /// When the current question was shown (Unix ms), for a front end's timer.
    pub fn current_asked_at(&self) -> Option<i64> {
        self.current.as_ref().map(|c| c.asked_at)
    }

    /// The next rung of the current question's hint ladder. None when there is no hint left
    /// (a follow-up has none), and always in real mode.
    pub fn hint(&mut self) -> Option<Hint> {
        if self.settings.mode.is_real() {
            return None;
        }
        let current = self.current.as_mut()?;
        let hint = hint::hint(&current.question, current.hints as usize + 1)?;
        current.hints += 1;
        Some(hint)
    }

    /// Stores the answer, then grades it, showing the grader's reasoning through `on_text` as it
    /// arrives. Fails only when the answer could not be stored.
    pub fn answer(&mut self, text: &str, on_text: &mut dyn FnMut(&str)) -> Result<Answered> {
        self.answer_as(text, None, on_text)
    }

    /// As `answer`, for a spoken answer: `text` is its transcript, its delivery is measured from
    /// the recording, and the recording is stored with the turn.
    pub fn answer_spoken(
        &mut self,
        text: &str,
        spoken: &Spoken,
        on_text: &mut dyn FnMut(&str),
    ) -> Result<Answered> {
        self.answer_as(text, Some(spoken), on_text)
    }

    /// Stores a spoken answer whose transcription failed: the turn with its recording, pending
    /// and ungraded, for `viva regrade` to transcribe and grade. The session moves on.
    pub fn answer_later(&mut self, take: &Untranscribed) -> Result<()> {
        let Some(current) = self.current.take() else {
            return Ok(());
        };
        let turn_id = self.store_turn(&current, "", false, now_ms())?;
        self.store.insert_recording(&NewRecording {
            turn_id,
            audio_path: Some(&take.audio_path),
            audio_ms: take.audio_ms,
            status: RecordingStatus::Pending,
            transcriber: None,
            words: None,
        })?;
        self.close_unscored(&current, Some(turn_id))
    }

    /// Closes a bank question that got no score (skipped: `turn_id` None; or stored ungraded):
    /// the learner hears it was asked with no evidence, and the summary counts it. A follow-up
    /// or retry just moves on.
    fn close_unscored(&mut self, current: &Current, turn_id: Option<i64>) -> Result<()> {
        if current.parent.is_some() {
            return Ok(());
        }
        self.record_evidence()?;
        let q = &current.question;
        self.history.record(q, None, now_ms())?;
        self.results.push(TurnOutcome {
            question_id: q.id.clone(),
            topic: q.topic.clone(),
            turn_id,
            grade: None,
            skipped: turn_id.is_none(),
        });
        Ok(())
    }

    fn answer_as(
        &mut self,
        text: &str,
        spoken: Option<&Spoken>,
        on_text: &mut dyn FnMut(&str),
    ) -> Result<Answered> {
        let current = self
            .current
            .take()
            .ok_or_else(|| anyhow::anyhow!("no question is being asked"))?;
        let answered_at = now_ms();
        let target = if current.follow_up {
            delivery::FOLLOW_UP_TARGET
        } else {
            delivery::QUESTION_TARGET
        };
        let duration_ms = answered_at - current.asked_at;
        let delivery = match spoken {
            Some(s) => delivery::measure_spoken(text, duration_ms, target, s.speech.clone()),
            None => delivery::measure(text, duration_ms, target),
        };
        let turn_id = self.store_turn(&current, text, false, answered_at)?;
        if let Some(s) = spoken {
            self.store.insert_recording(&NewRecording {
                turn_id,
                audio_path: s.audio_path.as_deref(),
                audio_ms: s.audio_ms,
                status: RecordingStatus::Transcribed,
                transcriber: Some(&s.transcriber),
                words: Some(&serde_json::to_string(&s.words)?),
            })?;
        }
        self.store.insert_delivery(turn_id, &delivery)?;
        let q = &current.question;
        let graded = self
            .grader
            .grade_streaming(q, self.rubrics.for_kind(q.kind), text, on_text);
        let (grade, error, practice) = match graded {
            Ok(mut grade) => {
                charge_hints(&mut grade, current.hints);
                self.store.insert_grade(turn_id, now_ms(), &grade)?;
                (Some(grade), None, None)
            }
            Err(e) => match e.downcast::<PracticeOnly>() {
                Ok(p) => (None, None, Some(p.reason)),
                Err(e) => (None, Some(format!("{e:#}")), None),
            },
        };
        if let Some(g) = &grade {
            self.spend(g);
        }
        // A retry is practice, not evidence; a follow-up is evidence the learner weighs apart
        // (as the stored replay does).
        if current.retry_of.is_none() {
            self.record_evidence()?;
            self.unrecorded = Some(Unrecorded {
                question: q.clone(),
                evidence: grade.as_ref().map(evidence),
                turn_id,
                follow_up: current.follow_up,
            });
        }
        if current.parent.is_none() {
            self.results.push(TurnOutcome {
                question_id: q.id.clone(),
                topic: q.topic.clone(),
                turn_id: Some(turn_id),
                grade: grade.clone(),
                skipped: false,
            });
        }
        // The interviewer follows up on a real answer, not on a non-answer.
        if let Some(g) = grade.as_ref().filter(|g| g.outcome == Outcome::Graded)
            && let Some(next) = &g.follow_up
            && current.depth < self.settings.follow_ups
            && current.retry_of.is_none()
        {
            self.pending = Some(Current {
                question: follow_up_question(q, g, next, text),
                number: current.number,
                reason: "follow-up".to_string(),
                parent: Some(current.parent.unwrap_or(turn_id)),
                depth: current.depth + 1,
                asked_at: 0,
                hints: 0,
                follow_up: true,
                retry_of: None,
            });
        }
        let over_ms = self
            .settings
            .mode
            .time_limit_ms()
            .map(|limit| duration_ms - limit)
            .filter(|&over| over > 0);
        self.attempts.push(AnsweredTurn {
            turn_id,
            number: current.number,
            question: current.question.clone(),
            answer: text.to_string(),
            grade: grade.clone(),
            self_check: None,
            delivery: delivery.clone(),
            follow_up: current.follow_up,
            retry: current.retry_of.is_some(),
            hints: current.hints,
            over_ms,
            root: current.parent.unwrap_or(turn_id),
        });
        Ok(Answered {
            grade,
            error,
            practice,
            delivery,
        })
    }

    fn spend(&mut self, g: &Grade) {
        self.tokens.0 += u64::from(g.tokens_in.unwrap_or(0));
        self.tokens.1 += u64::from(g.tokens_out.unwrap_or(0));
        if let Some(c) = g.cost_usd {
            *self.cost.get_or_insert(0.0) += c;
        }
    }

    /// Stores the candidate's check of the grade of answer `turn_id`: the key points they say
    /// they made (1-based). None when that answer has no grade to check.
    pub fn self_check(&mut self, turn_id: i64, made: &[usize]) -> Result<Option<Grade>> {
        let Some(i) = self.attempts.iter().position(|a| a.turn_id == turn_id) else {
            return Ok(None);
        };
        let rubric = self.rubric(&self.attempts[i].question);
        let a = &self.attempts[i];
        let Some(viva) = &a.grade else {
            return Ok(None);
        };
        let mut checked = Grade::self_checked(viva, made, rubric);
        let a = &mut self.attempts[i];
        charge_hints(&mut checked, a.hints);
        self.store.insert_grade(turn_id, now_ms(), &checked)?;
        a.self_check = Some(checked.clone());
        if let Some(u) = self.unrecorded.as_mut().filter(|u| u.turn_id == turn_id) {
            u.evidence = Some(self::evidence(&checked));
        }
        Ok(Some(checked))
    }

    /// Records the current question as skipped (a skipped follow-up or retry just moves on).
    pub fn skip(&mut self) -> Result<()> {
        let Some(current) = self.current.take() else {
            return Ok(());
        };
        self.store_turn(&current, "", true, now_ms())?;
        self.close_unscored(&current, None)
    }

    /// What viva believes now: per-topic estimates, the likely weakest, reviews due.
    pub fn status(&self) -> Status {
        self.history.status(now_ms())
    }

    fn store_turn(
        &mut self,
        current: &Current,
        answer: &str,
        skipped: bool,
        answered_at: i64,
    ) -> Result<i64> {
        let q = &current.question;
        self.seq += 1;
        self.store.insert_turn(&NewTurn {
            session_id: self.id,
            parent_id: current.parent,
            seq: self.seq,
            question_id: &q.id,
            topic: &q.topic,
            kind: q.kind.as_str(),
            difficulty: q.difficulty.as_str(),
            prompt: &q.prompt,
            answer,
            skipped,
            hints: current.hints,
            asked_at: current.asked_at,
            answered_at,
            retry_of: current.retry_of,
        })
    }

    /// Every answered turn so far, in order.
    pub fn attempts(&self) -> &[AnsweredTurn] {
        &self.attempts
    }

    /// Where in `attempts` the answer meant by `number` is: the latest answer to question N
    /// itself (its retry, not its follow-up), or the last answer of all.
    fn attempt_at(&self, number: Option<usize>) -> Option<usize> {
        let Some(n) = number else {
            return self.attempts.len().checked_sub(1);
        };
        self.attempts
            .iter()
            .rposition(|a| a.number == n && !a.follow_up)
            .or_else(|| self.attempts.iter().rposition(|a| a.number == n))
    }

    /// The latest answer to question `number`, or the last answer of all.
    pub fn attempt(&self, number: Option<usize>) -> Option<&AnsweredTurn> {
        self.attempt_at(number).map(|i| &self.attempts[i])
    }

    /// Asks the last answered question again (study mode). The question being asked, if any,
    /// is set aside and asked right after; a pending follow-up is dropped. None when nothing
    /// has been answered yet or in real mode.
    pub fn retry(&mut self) -> Option<Asked> {
        if self.settings.mode.is_real() {
            return None;
        }
        let last = self.attempts.last()?.clone();
        if let Some(current) = self.current.take() {
            if current.follow_up && current.retry_of.is_none() {
                self.follow_ups_asked -= 1;
            } else if current.parent.is_none() && self.deferred.is_none() {
                self.deferred = Some(current);
            }
        }
        self.pending = None;
        let retry = Current {
            question: last.question,
            number: last.number,
            reason: "retry".to_string(),
            parent: Some(last.root),
            depth: self.settings.follow_ups,
            asked_at: now_ms(),
            hints: 0,
            follow_up: last.follow_up,
            retry_of: Some(last.turn_id),
        };
        let asked = self.asked_from(&retry);
        self.current = Some(retry);
        Some(asked)
    }

    /// Closes the session (once) and sums it up. A question asked but not answered is not
    /// recorded. The session stays usable for questions about its answers.
    pub fn finish(&mut self) -> Result<Scorecard> {
        // A follow-up or a retry belongs to a question already counted; a bank question the
        // user saw and left must still count as asked, or "2 shown" would read "1 asked".
        let left_open = [self.current.take(), self.deferred.take()]
            .into_iter()
            .flatten()
            .filter(|c| !c.follow_up && c.retry_of.is_none())
            .count();
        self.pending = None;
        self.record_evidence()?;
        let ended_at = match self.ended_at {
            Some(t) => t,
            None => {
                let t = now_ms();
                self.store.end_session(self.id, t)?;
                self.ended_at = Some(t);
                t
            }
        };
        self.summary(left_open, ended_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::offline::OfflineGrader;

    pub(super) fn settings(count: usize, topic: &str) -> Settings {
        Settings {
            count,
            filters: Filters {
                topics: vec![topic.into()],
                ..Filters::default()
            },
            seed: 3,
            follow_ups: 0,
            mode: Mode::Study,
        }
    }

    /// Drives a session with scripted answers: "" skips, anything else is answered.
    fn drive(store: &Store, settings: Settings, answers: &[&str]) -> (Scorecard, Vec<String>) {
        let bank = Bank::load(None).unwrap();
        let rubrics = Rubrics::embedded();
        let mut session = Session::start(&bank, &rubrics, &OfflineGrader, store, settings).unwrap();
        let mut asked = Vec::new();
        for answer in answers {
            let Some(q) = session.ask_next().unwrap() else {
                break;
            };
            asked.push(q.question.id.clone());
            if answer.is_empty() {
                session.skip().unwrap();
            } else {
                let a = session.answer(answer, &mut |_| {}).unwrap();
                assert!(a.grade.is_some());
            }
        }
        (session.finish().unwrap(), asked)
    }

    #[test]
    fn a_scripted_session_stores_every_turn_with_its_grade() {
        let store = Store::open_in_memory().unwrap();
        let answers = [
            "It protects reference counting so only one thread runs bytecode at a time.",
            "",
            "I don't know",
        ];
        let (summary, asked) = drive(&store, settings(3, "concurrency"), &answers);
        assert_eq!(
            (summary.asked, summary.answered, summary.skipped),
            (3, 2, 1)
        );
        let turns = store.session_turns(summary.session_id).unwrap();
        assert_eq!(turns.len(), 3);
        assert_eq!(
            turns
                .iter()
                .map(|t| t.question_id.clone())
                .collect::<Vec<_>>(),
            asked
        );
        assert_eq!(turns[0].answer, answers[0]);
        assert!(turns[0].grade.is_some());
        assert!(turns[1].skipped && turns[1].grade.is_none());
        assert_eq!(
            turns[2].grade.as_ref().unwrap().outcome,
            Outcome::InsufficientEvidence
        );
        // An insufficient-evidence answer is not a score: the mean is over graded answers only.
        let first = turns[0].grade.as_ref().unwrap();
        let expected = (first.outcome == Outcome::Graded).then(|| f64::from(first.score));
        assert_eq!(summary.scores.questions.mean, expected);
        assert!(turns.iter().all(|t| t.topic == "concurrency"));
    }

    #[test]
    fn no_question_repeats_within_a_session_and_count_is_respected() {
        let store = Store::open_in_memory().unwrap();
        let (summary, asked) = drive(&store, settings(5, "oop"), &["x"; 8]);
        assert_eq!(asked.len(), 5);
        let unique: std::collections::BTreeSet<_> = asked.iter().collect();
        assert_eq!(unique.len(), 5);
        assert_eq!(summary.asked, 5);
    }

    #[test]
    fn the_same_seed_asks_the_same_questions() {
        let a = drive(
            &Store::open_in_memory().unwrap(),
            settings(4, "stdlib"),
            &["", "", "", ""],
        )
        .1;
        let b = drive(
            &Store::open_in_memory().unwrap(),
            settings(4, "stdlib"),
            &["", "", "", ""],
        )
        .1;
        assert_eq!(a, b);
    }

    #[test]
    fn hints_climb_the_questions_ladder_and_are_recorded() {
        let store = Store::open_in_memory().unwrap();
        let bank = Bank::load(None).unwrap();
        let rubrics = Rubrics::embedded();
        let mut session = start(&bank, &rubrics, &store, settings(1, "concurrency"));
        let q = session.ask_next().unwrap().unwrap().question;
        let taken: Vec<Hint> = std::iter::from_fn(|| session.hint()).collect();
        let texts: Vec<&String> = taken.iter().map(|h| &h.text).collect();
        assert_eq!(texts, q.hints.iter().collect::<Vec<_>>());
        assert!(taken.windows(2).all(|w| w[0].cost < w[1].cost));
        session.answer("an answer", &mut |_| {}).unwrap();
        let id = session.id();
        session.finish().unwrap();
        assert_eq!(
            store.session_turns(id).unwrap()[0].hints as usize,
            q.hints.len()
        );
    }

    /// A grader that always fails, as an unreachable LLM would.
    struct Failing;
    impl Grader for Failing {
        fn name(&self) -> &str {
            "failing"
        }
        fn grade(&self, _: &Question, _: &crate::rubric::Rubric, _: &str) -> Result<Grade> {
            anyhow::bail!("endpoint unreachable")
        }
    }

    #[test]
    fn a_failed_grading_keeps_the_answer_ungraded() {
        let store = Store::open_in_memory().unwrap();
        let bank = Bank::load(None).unwrap();
        let rubrics = Rubrics::embedded();
        let mut session =
            Session::start(&bank, &rubrics, &Failing, &store, settings(1, "oop")).unwrap();
        session.ask_next().unwrap().unwrap();
        let a = session.answer("my precious answer", &mut |_| {}).unwrap();
        assert!(a.grade.is_none());
        assert!(a.error.unwrap().contains("unreachable"));
        let turns = store.session_turns(session.id()).unwrap();
        assert_eq!(turns[0].answer, "my precious answer");
        assert!(turns[0].grade.is_none());
    }

    #[test]
    fn a_follow_up_is_a_graded_child_turn_and_does_not_count_as_a_question() {
        let store = Store::open_in_memory().unwrap();
        let bank = Bank::load(None).unwrap();
        let rubrics = Rubrics::embedded();
        let settings = Settings {
            follow_ups: 1,
            ..settings(2, "concurrency")
        };
        let mut session =
            Session::start(&bank, &rubrics, &OfflineGrader, &store, settings).unwrap();
        let first = session.ask_next().unwrap().unwrap();
        assert!(!first.follow_up);
        let a = session
            .answer(&first.question.model_answer, &mut |_| {})
            .unwrap();
        let grade = a.grade.unwrap();
        let expected = grade
            .follow_up
            .clone()
            .expect("the offline grader offers a rubric follow-up");
        let follow = session.ask_next().unwrap().unwrap();
        assert!(follow.follow_up);
        assert_eq!(follow.number, 1);
        assert_eq!(follow.question.prompt, expected);
        let in_bank = first.question.bank_follow_up(&expected).unwrap();
        // Graded against its own rubric, not the question's.
        let rubric = in_bank
            .rubric
            .as_ref()
            .expect("shipped follow-ups have rubrics");
        assert_eq!(follow.question.what_they_test, rubric.key_points);
        assert_eq!(follow.question.red_flags, rubric.red_flags);
        session
            .answer("I would use a process pool for that.", &mut |_| {})
            .unwrap();
        // At most one follow-up per question: the next is a new question.
        let second = session.ask_next().unwrap().unwrap();
        assert!(!second.follow_up);
        assert_eq!(second.number, 2);
        session.skip().unwrap();
        let id = session.id();
        let summary = session.finish().unwrap();
        assert_eq!((summary.asked, summary.follow_ups), (2, 1));
        let turns = store.session_turns(id).unwrap();
        assert_eq!(turns.len(), 3);
        assert_eq!(turns[1].parent_id, Some(turns[0].id));
        assert!(turns[1].grade.is_some());
        // Two questions (the second skipped) and the follow-up, evidence of its own.
        let records = store.answer_records().unwrap();
        assert_eq!(records.len(), 3);
        assert_eq!(records[0].question_id, first.question.id);
        assert!(records[1].follow_up && records[1].score.is_some());
        assert!(records[2].skipped && !records[2].follow_up);
    }

    pub(super) fn start<'a>(
        bank: &'a Bank,
        rubrics: &'a Rubrics,
        store: &'a Store,
        settings: Settings,
    ) -> Session<'a> {
        Session::start(bank, rubrics, &OfflineGrader, store, settings).unwrap()
    }

    #[test]
    fn each_hint_costs_points_and_says_so() {
        let bank = Bank::load(None).unwrap();
        let rubrics = Rubrics::embedded();
        let plain = {
            let store = Store::open_in_memory().unwrap();
            let mut s = start(&bank, &rubrics, &store, settings(1, "concurrency"));
            let q = s.ask_next().unwrap().unwrap().question;
            s.answer(&q.model_answer, &mut |_| {})
                .unwrap()
                .grade
                .unwrap()
        };
        let store = Store::open_in_memory().unwrap();
        let mut s = start(&bank, &rubrics, &store, settings(1, "concurrency"));
        let q = s.ask_next().unwrap().unwrap().question;
        s.hint().unwrap();
        s.hint().unwrap();
        let hinted = s
            .answer(&q.model_answer, &mut |_| {})
            .unwrap()
            .grade
            .unwrap();
        assert_eq!(hinted.score, plain.score - hint::total_cost(2));
        assert!(
            hinted.notes.iter().any(|n| n.starts_with("2 hints used")),
            "{:?}",
            hinted.notes
        );
        assert_eq!(
            store.session_turns(s.id()).unwrap()[0]
                .grade
                .as_ref()
                .unwrap()
                .score,
            hinted.score,
            "the stored grade carries the cost"
        );
    }

    #[test]
    fn real_mode_gives_no_hints_and_no_retries() {
        let bank = Bank::load(None).unwrap();
        let rubrics = Rubrics::embedded();
        let store = Store::open_in_memory().unwrap();
        let real = Settings {
            mode: Mode::Real { minutes: 2.0 },
            ..settings(2, "oop")
        };
        let mut s = start(&bank, &rubrics, &store, real);
        s.ask_next().unwrap().unwrap();
        assert!(s.hint().is_none());
        s.answer("classes hold state and behaviour together", &mut |_| {})
            .unwrap();
        assert!(s.retry().is_none());
        assert_eq!(s.mode().time_limit_ms(), Some(120_000));
    }

    #[test]
    fn a_retry_asks_the_last_question_again_then_the_one_set_aside() {
        let bank = Bank::load(None).unwrap();
        let rubrics = Rubrics::embedded();
        let store = Store::open_in_memory().unwrap();
        let mut s = start(&bank, &rubrics, &store, settings(2, "concurrency"));
        let first = s.ask_next().unwrap().unwrap();
        let half: Vec<&str> = first
            .question
            .model_answer
            .split_whitespace()
            .take(20)
            .collect();
        s.answer(&half.join(" "), &mut |_| {}).unwrap();
        let second = s.ask_next().unwrap().unwrap();
        let again = s.retry().unwrap();
        assert!(again.retry);
        assert_eq!(again.number, 1);
        assert_eq!(again.question.id, first.question.id);
        s.answer(&first.question.model_answer, &mut |_| {}).unwrap();
        let next = s.ask_next().unwrap().unwrap();
        assert_eq!(
            next.question.id, second.question.id,
            "the set-aside question"
        );
        assert_eq!(next.number, 2);
        s.skip().unwrap();
        assert!(s.ask_next().unwrap().is_none());
        let summary = s.finish().unwrap();
        assert_eq!(
            (summary.asked, summary.answered),
            (2, 1),
            "a retry is not a question"
        );
        assert_eq!(summary.retries.len(), 1);
        let r = &summary.retries[0];
        assert!(r.retry.unwrap_or(0) > r.first.unwrap_or(0), "{r:?}");
        let turns = store.session_turns(summary.session_id).unwrap();
        assert_eq!(turns[1].retry_of, Some(turns[0].id));
        assert_eq!(turns[1].parent_id, Some(turns[0].id));
        let records = store.answer_records().unwrap();
        assert_eq!(
            records.len(),
            2,
            "the first attempt and the skipped question"
        );
        assert_eq!(records[0].question_id, first.question.id);
        assert_eq!(
            records[0].score, r.first,
            "selection sees the first attempt only"
        );
    }

    #[test]
    fn delivery_is_measured_and_stored_with_every_answer() {
        let bank = Bank::load(None).unwrap();
        let rubrics = Rubrics::embedded();
        let store = Store::open_in_memory().unwrap();
        let mut s = start(&bank, &rubrics, &store, settings(1, "concurrency"));
        s.ask_next().unwrap().unwrap();
        let a = s
            .answer(
                "um, so, uh, the lock, you know, lets one thread run at a time",
                &mut |_| {},
            )
            .unwrap();
        assert_eq!(a.delivery.fillers, 3);
        let turns = store.session_turns(s.id()).unwrap();
        assert_eq!(turns[0].delivery.as_ref(), Some(&a.delivery));
        let summary = s.finish().unwrap();
        assert_eq!(summary.delivery.unwrap().answers, 1);
    }
}
