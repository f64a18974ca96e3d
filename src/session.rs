//! The interview state machine: ask → answer → grade → next. It knows nothing of terminals: a
//! front end (the REPL, or a test with scripted answers) calls `next`, then `answer`, `skip` or
//! `hint`, and finally `finish`. Every answer is stored before it is graded.

use std::collections::BTreeMap;

use anyhow::Result;
use serde::Serialize;

use crate::bank::{Bank, Question};
use crate::clock::now_ms;
use crate::grade::{Grade, Grader, Outcome, offline};
use crate::learner::{Evidence, Learner, Params, Status};
use crate::rubric::Rubrics;
use crate::select::{self, Filters, History, Rng};
use crate::store::{NewTurn, Store};

#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    /// How many questions to ask.
    pub count: usize,
    pub filters: Filters,
    pub seed: u64,
}

/// The question being asked.
#[derive(Debug, Clone)]
pub struct Asked<'a> {
    /// 1-based position in the session.
    pub number: usize,
    pub total: usize,
    pub question: &'a Question,
    pub reason: String,
}

/// A stored answer and its grade.
#[derive(Debug, Clone)]
pub struct Answered {
    pub turn_id: i64,
    /// None when grading failed; the answer is stored and can be re-graded later.
    pub grade: Option<Grade>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TopicResult {
    /// Answers that got a score (not skipped, not insufficient evidence).
    pub graded: usize,
    pub mean_score: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub session_id: i64,
    pub asked: usize,
    pub answered: usize,
    pub skipped: usize,
    pub mean_score: Option<f64>,
    pub topics: BTreeMap<String, TopicResult>,
    /// (question id, score) of the best and the worst graded answer.
    pub best: Option<(String, u8)>,
    pub worst: Option<(String, u8)>,
    pub duration_ms: i64,
}

struct Current<'a> {
    question: &'a Question,
    asked_at: i64,
    hints: u32,
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
    current: Option<Current<'a>>,
    results: Vec<TurnOutcome>,
}

/// What became of one asked question.
struct TurnOutcome {
    question_id: String,
    topic: String,
    /// None when skipped, ungraded, or graded as insufficient evidence.
    score: Option<u8>,
    skipped: bool,
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
        let learner = Learner::replay(topics, Params::default(), &store.answer_records()?)?;
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
            results: Vec::new(),
        })
    }

    pub fn id(&self) -> i64 {
        self.id
    }

    /// Chooses and asks the next question; None when the session is complete.
    pub fn ask_next(&mut self) -> Option<Asked<'a>> {
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
        self.asked.push(pick.question.id.clone());
        self.current = Some(Current {
            question: pick.question,
            asked_at: now_ms(),
            hints: 0,
        });
        Some(Asked {
            number: self.asked.len(),
            total: self.settings.count,
            question: pick.question,
            reason: pick.reason,
        })
    }

    pub fn current(&self) -> Option<&'a Question> {
        self.current.as_ref().map(|c| c.question)
    }

    /// The next hint for the current question, one key point at a time.
    pub fn hint(&mut self) -> Option<String> {
        let current = self.current.as_mut()?;
        let point = current.hints as usize;
        let hint = offline::hint(current.question, point)?;
        current.hints += 1;
        Some(hint)
    }

    /// Stores the answer, then grades it. Fails only when the answer could not be stored.
    pub fn answer(&mut self, text: &str) -> Result<Answered> {
        let current = self
            .current
            .take()
            .ok_or_else(|| anyhow::anyhow!("no question is being asked"))?;
        let turn_id = self.store_turn(&current, text, false)?;
        let q = current.question;
        let graded = self.grader.grade(q, self.rubrics.for_kind(q.kind), text);
        let (grade, error) = match graded {
            Ok(grade) => {
                self.store.insert_grade(turn_id, now_ms(), &grade)?;
                (Some(grade), None)
            }
            Err(e) => (None, Some(format!("{e:#}"))),
        };
        let score = grade
            .as_ref()
            .filter(|g| g.outcome == Outcome::Graded)
            .map(|g| g.score);
        let evidence = grade.as_ref().map(|g| match g.outcome {
            Outcome::Graded => Evidence::Score(f64::from(g.score.min(100)) / 100.0),
            Outcome::InsufficientEvidence => Evidence::NoAnswer,
        });
        self.history.record(q, evidence, now_ms())?;
        self.results.push(TurnOutcome {
            question_id: q.id.clone(),
            topic: q.topic.clone(),
            score,
            skipped: false,
        });
        Ok(Answered {
            turn_id,
            grade,
            error,
        })
    }

    /// Records the current question as skipped.
    pub fn skip(&mut self) -> Result<()> {
        let Some(current) = self.current.take() else {
            return Ok(());
        };
        self.store_turn(&current, "", true)?;
        let q = current.question;
        self.history.record(q, None, now_ms())?;
        self.results.push(TurnOutcome {
            question_id: q.id.clone(),
            topic: q.topic.clone(),
            score: None,
            skipped: true,
        });
        Ok(())
    }

    /// What viva believes now: per-topic estimates, the likely weakest, reviews due.
    pub fn status(&self) -> Status {
        self.history.status(now_ms())
    }

    fn store_turn(&self, current: &Current, answer: &str, skipped: bool) -> Result<i64> {
        let q = current.question;
        self.store.insert_turn(&NewTurn {
            session_id: self.id,
            parent_id: None,
            seq: self.asked.len() as u32,
            question_id: &q.id,
            topic: &q.topic,
            kind: q.kind.as_str(),
            difficulty: q.difficulty.as_str(),
            prompt: &q.prompt,
            answer,
            skipped,
            hints: current.hints,
            asked_at: current.asked_at,
            answered_at: now_ms(),
        })
    }

    /// Closes the session. A question asked but not answered is not recorded.
    pub fn finish(self) -> Result<Summary> {
        let ended_at = now_ms();
        self.store.end_session(self.id, ended_at)?;
        let mean = |xs: &[u8]| {
            (!xs.is_empty())
                .then(|| xs.iter().map(|&s| f64::from(s)).sum::<f64>() / xs.len() as f64)
        };
        let scored: Vec<(&String, u8)> = self
            .results
            .iter()
            .filter_map(|r| r.score.map(|s| (&r.question_id, s)))
            .collect();
        let all: Vec<u8> = scored.iter().map(|(_, s)| *s).collect();
        let mut topics: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        for r in self.results.iter().filter(|r| !r.skipped) {
            topics.entry(r.topic.clone()).or_default().extend(r.score);
        }
        // Earliest wins ties, so the summary is stable.
        let best = scored
            .iter()
            .rev()
            .max_by_key(|(_, s)| *s)
            .map(|(id, s)| ((*id).clone(), *s));
        let worst = scored
            .iter()
            .rev()
            .min_by_key(|(_, s)| *s)
            .map(|(id, s)| ((*id).clone(), *s));
        let skipped = self.results.iter().filter(|r| r.skipped).count();
        Ok(Summary {
            session_id: self.id,
            asked: self.results.len(),
            answered: self.results.len() - skipped,
            skipped,
            mean_score: mean(&all),
            topics: topics
                .into_iter()
                .map(|(t, s)| {
                    (
                        t,
                        TopicResult {
                            graded: s.len(),
                            mean_score: mean(&s),
                        },
                    )
                })
                .collect(),
            best,
            worst,
            duration_ms: ended_at - self.started_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::offline::OfflineGrader;

    fn settings(count: usize, topic: &str) -> Settings {
        Settings {
            count,
            filters: Filters {
                topics: vec![topic.into()],
                ..Filters::default()
            },
            seed: 3,
        }
    }

    /// Drives a session with scripted answers: "" skips, anything else is answered.
    fn drive(store: &Store, settings: Settings, answers: &[&str]) -> (Summary, Vec<String>) {
        let bank = Bank::load(None).unwrap();
        let rubrics = Rubrics::embedded();
        let mut session = Session::start(&bank, &rubrics, &OfflineGrader, store, settings).unwrap();
        let mut asked = Vec::new();
        for answer in answers {
            let Some(q) = session.ask_next() else { break };
            asked.push(q.question.id.clone());
            if answer.is_empty() {
                session.skip().unwrap();
            } else {
                let a = session.answer(answer).unwrap();
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
        assert_eq!(summary.mean_score, expected);
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
    fn hints_come_one_key_point_at_a_time_and_are_recorded() {
        let store = Store::open_in_memory().unwrap();
        let bank = Bank::load(None).unwrap();
        let rubrics = Rubrics::embedded();
        let mut session = Session::start(
            &bank,
            &rubrics,
            &OfflineGrader,
            &store,
            settings(1, "concurrency"),
        )
        .unwrap();
        let q = session.ask_next().unwrap().question;
        let first = session.hint().unwrap();
        let second = session.hint().unwrap();
        assert_ne!(first, second);
        for _ in 2..q.what_they_test.len() {
            session.hint();
        }
        assert!(session.hint().is_none(), "no more hints than key points");
        session.answer("an answer").unwrap();
        let id = session.id();
        session.finish().unwrap();
        assert_eq!(
            store.session_turns(id).unwrap()[0].hints as usize,
            q.what_they_test.len()
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
        session.ask_next().unwrap();
        let a = session.answer("my precious answer").unwrap();
        assert!(a.grade.is_none());
        assert!(a.error.unwrap().contains("unreachable"));
        let turns = store.session_turns(session.id()).unwrap();
        assert_eq!(turns[0].answer, "my precious answer");
        assert!(turns[0].grade.is_none());
    }
}
