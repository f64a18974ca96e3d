//! The interview state machine: ask → answer → grade → follow-up → next. It knows nothing of
//! terminals: a front end (the REPL, or a test with scripted answers) calls `ask_next`, then
//! `answer`, `skip` or `hint`, and finally `finish`. Every answer is stored before it is graded.

use std::collections::BTreeMap;

use anyhow::Result;
use serde::Serialize;

use crate::bank::{Bank, Question};
use crate::clock::now_ms;
use crate::grade::{Grade, Grader, Outcome, Verdict, offline};
use crate::rubric::Rubrics;
use crate::select::{self, Filters, History, Rng};
use crate::store::{NewTurn, Store};

#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    /// How many questions to ask (follow-ups not counted).
    pub count: usize,
    pub filters: Filters,
    pub seed: u64,
    /// Follow-up questions at most per question.
    pub follow_ups: u32,
}

/// The question being asked.
#[derive(Debug, Clone)]
pub struct Asked {
    /// 1-based position in the session; a follow-up shares its question's number.
    pub number: usize,
    pub total: usize,
    pub question: Question,
    pub reason: String,
    pub follow_up: bool,
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
    /// Questions asked and finished (follow-ups counted apart).
    pub asked: usize,
    pub answered: usize,
    pub skipped: usize,
    pub follow_ups: usize,
    pub mean_score: Option<f64>,
    pub topics: BTreeMap<String, TopicResult>,
    /// (question id, score) of the best and the worst graded answer.
    pub best: Option<(String, u8)>,
    pub worst: Option<(String, u8)>,
    pub duration_ms: i64,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub cost_usd: Option<f64>,
}

struct Current {
    /// What is asked: the bank question, or a follow-up built from it.
    question: Question,
    /// The turn a follow-up follows up on.
    parent: Option<i64>,
    /// Follow-ups already asked for this bank question.
    depth: u32,
    asked_at: i64,
    hints: u32,
}

/// What became of one asked bank question.
struct TurnOutcome {
    question_id: String,
    topic: String,
    /// None when skipped, ungraded, or graded as insufficient evidence.
    score: Option<u8>,
    skipped: bool,
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
    results: Vec<TurnOutcome>,
    follow_ups_asked: usize,
    tokens: (u64, u64),
    cost: Option<f64>,
}

/// The question a follow-up is graded against: the follow-up's text, with the points of the
/// original the candidate has not yet made (all of them when nothing was missed).
pub fn follow_up_question(parent: &Question, grade: &Grade, text: &str) -> Question {
    let open: Vec<String> = grade
        .key_points
        .iter()
        .filter(|k| k.verdict != Verdict::Covered)
        .map(|k| k.point.clone())
        .collect();
    let mut q = parent.clone();
    q.prompt = text.to_string();
    if !open.is_empty() {
        q.what_they_test = open;
    }
    q.follow_ups.retain(|f| f != text);
    q
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
        let history = History::new(store.asked_questions()?, &store.scored_turns()?);
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
            results: Vec::new(),
            follow_ups_asked: 0,
            tokens: (0, 0),
            cost: None,
        })
    }

    pub fn id(&self) -> i64 {
        self.id
    }

    /// Asks the pending follow-up, or chooses the next question; None when the session is
    /// complete.
    pub fn ask_next(&mut self) -> Option<Asked> {
        if let Some(mut follow_up) = self.pending.take() {
            follow_up.asked_at = now_ms();
            let asked = Asked {
                number: self.asked.len(),
                total: self.settings.count,
                question: follow_up.question.clone(),
                reason: "follow-up".to_string(),
                follow_up: true,
            };
            self.follow_ups_asked += 1;
            self.current = Some(follow_up);
            return Some(asked);
        }
        if self.asked.len() >= self.settings.count {
            return None;
        }
        let pick = select::pick(
            self.bank,
            &self.settings.filters,
            &self.asked,
            &self.history,
            &mut self.rng,
        )?;
        self.asked.push(pick.question.id.clone());
        self.current = Some(Current {
            question: pick.question.clone(),
            parent: None,
            depth: 0,
            asked_at: now_ms(),
            hints: 0,
        });
        Some(Asked {
            number: self.asked.len(),
            total: self.settings.count,
            question: pick.question.clone(),
            reason: pick.reason,
            follow_up: false,
        })
    }

    pub fn current(&self) -> Option<&Question> {
        self.current.as_ref().map(|c| &c.question)
    }

    /// The next hint for the current question, one key point at a time.
    pub fn hint(&mut self) -> Option<String> {
        let current = self.current.as_mut()?;
        let hint = offline::hint(&current.question, current.hints as usize)?;
        current.hints += 1;
        Some(hint)
    }

    /// Stores the answer, then grades it. Fails only when the answer could not be stored.
    pub fn answer(&mut self, text: &str) -> Result<Answered> {
        self.answer_streaming(text, &mut |_| {})
    }

    /// As `answer`, showing the grader's reasoning through `on_text` as it arrives.
    pub fn answer_streaming(
        &mut self,
        text: &str,
        on_text: &mut dyn FnMut(&str),
    ) -> Result<Answered> {
        let current = self
            .current
            .take()
            .ok_or_else(|| anyhow::anyhow!("no question is being asked"))?;
        let turn_id = self.store_turn(&current, text, false)?;
        let q = &current.question;
        let graded = self
            .grader
            .grade_streaming(q, self.rubrics.for_kind(q.kind), text, on_text);
        let (grade, error) = match graded {
            Ok(grade) => {
                self.store.insert_grade(turn_id, now_ms(), &grade)?;
                (Some(grade), None)
            }
            Err(e) => (None, Some(format!("{e:#}"))),
        };
        if let Some(g) = &grade {
            self.tokens.0 += u64::from(g.tokens_in.unwrap_or(0));
            self.tokens.1 += u64::from(g.tokens_out.unwrap_or(0));
            if let Some(c) = g.cost_usd {
                *self.cost.get_or_insert(0.0) += c;
            }
        }
        let score = grade
            .as_ref()
            .filter(|g| g.outcome == Outcome::Graded)
            .map(|g| g.score);
        if current.parent.is_none() {
            self.history.record(&q.id, &q.topic, score);
            self.results.push(TurnOutcome {
                question_id: q.id.clone(),
                topic: q.topic.clone(),
                score,
                skipped: false,
            });
        }
        // The interviewer follows up on a real answer, not on a non-answer.
        if let Some(g) = grade.as_ref().filter(|g| g.outcome == Outcome::Graded)
            && let Some(text) = &g.follow_up
            && current.depth < self.settings.follow_ups
        {
            self.pending = Some(Current {
                question: follow_up_question(q, g, text),
                parent: Some(current.parent.unwrap_or(turn_id)),
                depth: current.depth + 1,
                asked_at: 0,
                hints: 0,
            });
        }
        Ok(Answered {
            turn_id,
            grade,
            error,
        })
    }

    /// Records the current question as skipped (a skipped follow-up just moves on).
    pub fn skip(&mut self) -> Result<()> {
        let Some(current) = self.current.take() else {
            return Ok(());
        };
        self.store_turn(&current, "", true)?;
        if current.parent.is_none() {
            let q = &current.question;
            self.history.record(&q.id, &q.topic, None);
            self.results.push(TurnOutcome {
                question_id: q.id.clone(),
                topic: q.topic.clone(),
                score: None,
                skipped: true,
            });
        }
        Ok(())
    }

    fn store_turn(&self, current: &Current, answer: &str, skipped: bool) -> Result<i64> {
        let q = &current.question;
        self.store.insert_turn(&NewTurn {
            session_id: self.id,
            parent_id: current.parent,
            seq: (self.asked.len() + self.follow_ups_asked) as u32,
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
            follow_ups: self.follow_ups_asked,
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
            tokens_in: self.tokens.0,
            tokens_out: self.tokens.1,
            cost_usd: self.cost,
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
            follow_ups: 0,
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
        let first = session.ask_next().unwrap();
        assert!(!first.follow_up);
        let a = session.answer(&first.question.model_answer).unwrap();
        let grade = a.grade.unwrap();
        let expected = grade
            .follow_up
            .clone()
            .expect("the offline grader offers a rubric follow-up");
        let follow = session.ask_next().unwrap();
        assert!(follow.follow_up);
        assert_eq!(follow.number, 1);
        assert_eq!(follow.question.prompt, expected);
        assert!(first.question.follow_ups.contains(&expected));
        session
            .answer("I would use a process pool for that.")
            .unwrap();
        // At most one follow-up per question: the next is a new question.
        let second = session.ask_next().unwrap();
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
        assert_eq!(
            store.scored_turns().unwrap().len(),
            1,
            "a follow-up is not a separate question"
        );
    }
}
