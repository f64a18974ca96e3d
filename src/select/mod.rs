//! Choosing the next question of `viva practice`: the learner model (rebuilt from the store),
//! this session's turns and the user's filters, handed to the policy of `policy`, and the reason
//! shown for every pick ("weakest: concurrency, 38% ± 12").

pub mod policy;

use std::collections::{HashMap, HashSet};

use crate::bank::{Bank, Difficulty, Kind, Question};
use crate::learner::{self, Evidence, Learner, LearnerError, Observation, Status, sigmoid};
pub use crate::random::Rng;
pub use policy::{Choice, Item, Policy, Situation, Turn, Why};

/// The user's restrictions on what may be asked.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Filters {
    pub topics: Vec<String>,
    pub difficulty: Option<Difficulty>,
    pub company: Option<String>,
}

impl Filters {
    pub fn allows(&self, q: &Question) -> bool {
        (self.topics.is_empty() || self.topics.contains(&q.topic))
            && self.difficulty.is_none_or(|d| d == q.difficulty)
            && self
                .company
                .as_ref()
                .is_none_or(|c| q.companies.iter().any(|qc| qc.eq_ignore_ascii_case(c)))
    }
}

/// A chosen question and why it was chosen, for the user.
#[derive(Debug, Clone)]
pub struct Pick<'a> {
    pub question: &'a Question,
    pub reason: String,
}

/// One question of this session, by id.
#[derive(Debug, Clone)]
struct Asked {
    question_id: String,
    failed: bool,
    /// The policy's reason; None when asked without `pick` (a test driving the history).
    why: Option<Why>,
}

/// What the selector knows: the learner rebuilt from the store, the questions asked before, and
/// this session's turns.
#[derive(Debug, Clone)]
pub struct History {
    learner: Learner,
    asked_ever: HashSet<String>,
    answered_before: usize,
    session_started_ms: i64,
    session: Vec<Asked>,
    /// The last pick, until its answer is recorded.
    pending: Option<(String, Why)>,
}

impl History {
    pub fn new(
        learner: Learner,
        asked_ever: impl IntoIterator<Item = String>,
        session_started_ms: i64,
    ) -> History {
        History {
            answered_before: learner.total_answers(),
            learner,
            asked_ever: asked_ever.into_iter().collect(),
            session_started_ms,
            session: Vec::new(),
            pending: None,
        }
    }

    /// Notes the answer to `q`: `None` when it was skipped.
    pub fn record(
        &mut self,
        q: &Question,
        evidence: Option<Evidence>,
        at_ms: i64,
    ) -> Result<(), LearnerError> {
        if let Some(evidence) = evidence {
            self.learner.observe(&Observation {
                question_id: q.id.clone(),
                topic: q.topic.clone(),
                difficulty: q.difficulty,
                evidence,
                at_ms,
            })?;
        }
        let why = match self.pending.take() {
            Some((id, why)) if id == q.id => Some(why),
            _ => None,
        };
        let failed = match evidence {
            Some(Evidence::Score(s)) => s < Policy::new(1).fail_below,
            Some(Evidence::NoAnswer) => true,
            None => false,
        };
        self.session.push(Asked {
            question_id: q.id.clone(),
            failed,
            why,
        });
        self.asked_ever.insert(q.id.clone());
        Ok(())
    }

    pub fn learner(&self) -> &Learner {
        &self.learner
    }

    /// The per-topic report. Its draws use their own seed, so asking for it mid-session does not
    /// change which questions a seeded session asks.
    pub fn status(&self, now_ms: i64) -> Status {
        let k = learner::default_k(self.learner.topics().len());
        self.learner
            .status(k, 400, &mut Rng::new(STATUS_SEED), now_ms)
    }
}

const STATUS_SEED: u64 = 0x5747_5455;

fn kind_code(k: Kind) -> u8 {
    Kind::ALL.iter().position(|&x| x == k).unwrap_or(0) as u8
}

/// Picks the next question of a session planned for `budget` questions, or None when the
/// filters leave nothing to ask. The pick is remembered until its answer is recorded.
pub fn pick<'a>(
    bank: &'a Bank,
    filters: &Filters,
    budget: usize,
    history: &mut History,
    rng: &mut Rng,
) -> Option<Pick<'a>> {
    let learner = &history.learner;
    let questions: Vec<&'a Question> = bank
        .questions()
        .iter()
        .filter(|q| filters.allows(q) && learner.topic_index(&q.topic).is_some())
        .collect();
    let index: HashMap<&str, usize> = questions
        .iter()
        .enumerate()
        .map(|(i, q)| (q.id.as_str(), i))
        .collect();
    let items: Vec<Item> = questions
        .iter()
        .map(|q| Item {
            topic: learner
                .topic_index(&q.topic)
                .expect("filtered on known topics"),
            b: learner::item_difficulty(q.difficulty),
            kind: kind_code(q.kind),
            fresh: !history.asked_ever.contains(&q.id),
        })
        .collect();
    let mut asked = vec![false; items.len()];
    let mut covered: Vec<bool> = (0..learner.topics().len())
        .map(|t| learner.answers(t) > 0)
        .collect();
    let mut log = Vec::new();
    // Turns on questions the filters now exclude (a user bank changed mid-session) are left
    // out; the policy only needs to know what it may still ask.
    for a in &history.session {
        if let Some(&i) = index.get(a.question_id.as_str()) {
            asked[i] = true;
            covered[items[i].topic] = true;
            log.push(Turn {
                item: i,
                failed: a.failed,
                why: a.why.unwrap_or(Why::Drill),
            });
        }
    }
    let now = crate::clock::now_ms();
    let due_list = learner.memory().due(now, history.session_started_ms);
    let due: Vec<usize> = due_list
        .iter()
        .filter_map(|d| index.get(d.item.as_str()).copied())
        .collect();
    let policy = Policy::new(learner::default_k(learner.topics().len()));
    let choice = policy.choose(
        &Situation {
            posterior: learner.posterior(),
            items: &items,
            asked: &asked,
            log: &log,
            due: &due,
            budget,
            covered: &covered,
            answered_before: history.answered_before,
        },
        rng,
    )?;
    let question = questions[choice.item];
    let reason = reason(history, &policy, choice, question, &log, &questions, now);
    history.pending = Some((question.id.clone(), choice.why));
    Some(Pick { question, reason })
}

/// The reason shown with a question.
fn reason(
    history: &History,
    policy: &Policy,
    choice: Choice,
    question: &Question,
    log: &[Turn],
    questions: &[&Question],
    now_ms: i64,
) -> String {
    let learner = &history.learner;
    let topic = &question.topic;
    let t = learner.topic_index(topic).expect("known topic");
    let post = learner.posterior();
    let (mu, sd) = (post.mean(t), post.sd(t));
    let estimate = format!(
        "{:.0}% ± {:.0}",
        100.0 * sigmoid(mu),
        50.0 * (sigmoid(mu + sd) - sigmoid(mu - sd))
    );
    match choice.why {
        Why::Coverage => format!("new topic: {topic}"),
        Why::Review { of } => {
            let failed = questions[log[of].item];
            let ago = log.len() - of;
            if failed.id == question.id {
                format!("review: you missed this one {ago} questions ago")
            } else {
                format!(
                    "review: you missed {} {ago} questions ago; a sibling question",
                    failed.id
                )
            }
        }
        Why::Due { .. } => {
            let memory = learner.memory().get(&question.id);
            let days = memory.map_or(0, |m| (now_ms - m.last_at_ms) / 86_400_000);
            let when = match days {
                0 => "earlier today".to_string(),
                1 => "1 day ago".to_string(),
                d => format!("{d} days ago"),
            };
            match memory.and_then(|m| m.last_score) {
                Some(s) if s >= policy.fail_below => {
                    format!("review: due, you scored {:.0} {when}", 100.0 * s)
                }
                _ => format!("review: failed {when}"),
            }
        }
        Why::Diagnose => format!("checking: {topic}, {estimate}: is it among your weakest?"),
        Why::Drill => {
            let lowest = (0..post.topics())
                .filter(|&u| {
                    questions
                        .iter()
                        .any(|q| learner.topic_index(&q.topic) == Some(u))
                })
                .min_by(|&a, &b| post.mean(a).total_cmp(&post.mean(b)));
            if lowest == Some(t) {
                format!("weakest: {topic}, {estimate}")
            } else {
                format!("likely weak: {topic}, {estimate}")
            }
        }
    }
}
