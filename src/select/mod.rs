//! Choosing the next question of `viva practice`: the learner model (rebuilt from the store),
//! this session's turns and the user's filters, handed to the policy of `policy`, and the reason
//! shown for every pick ("weakest: concurrency, 38% ± 12").

pub mod policy;

use std::collections::{HashMap, HashSet};

use crate::bank::{Bank, Difficulty, Kind, Question};
use crate::learner::{self, Evidence, Learner, LearnerError, Observation, Status, sigmoid};
use crate::names;
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
    /// Topics and companies match as names do everywhere (`crate::names::same`), so a filter
    /// stored with a session matches however the user spelled it.
    pub fn allows(&self, q: &Question) -> bool {
        (self.topics.is_empty() || self.topics.iter().any(|t| names::same(t, &q.topic)))
            && self.difficulty.is_none_or(|d| d == q.difficulty)
            && self
                .company
                .as_ref()
                .is_none_or(|c| q.companies.iter().any(|qc| names::same(qc, c)))
    }
}

/// A chosen question and why it was chosen, for the user.
#[derive(Debug, Clone)]
pub struct Pick<'a> {
    pub question: &'a Question,
    pub reason: String,
}

/// What the selector knows: the learner rebuilt from the store, the questions asked before, and
/// this session's turns. One history serves one session over one bank.
#[derive(Debug, Clone)]
pub struct History {
    learner: Learner,
    asked_ever: HashSet<String>,
    answered_before: usize,
    session_started_ms: i64,
    /// This session's turns, as the policy sees them, with the question ids.
    log: Vec<(String, Turn)>,
    /// The last pick, until its answer is recorded.
    pending: Option<(String, Why)>,
    /// The filtered bank as policy items, built at the first pick.
    catalog: Option<Catalog>,
}

/// The questions the filters allow, indexed once per session so that a step costs no string
/// hashing over the whole bank.
#[derive(Debug, Clone)]
struct Catalog {
    filters: Filters,
    /// Index in `bank.questions()` of each item.
    bank_index: Vec<usize>,
    items: Vec<Item>,
    by_id: HashMap<String, usize>,
    /// Per topic: at least one question allowed.
    allowed: Vec<bool>,
    /// Items due for review from earlier days, most urgent first (fixed at the session start).
    due: Vec<usize>,
}

impl Catalog {
    fn build(bank: &Bank, filters: &Filters, history: &History, now_ms: i64) -> Catalog {
        let learner = &history.learner;
        let mut catalog = Catalog {
            filters: filters.clone(),
            bank_index: Vec::new(),
            items: Vec::new(),
            by_id: HashMap::new(),
            allowed: vec![false; learner.topics().len()],
            due: Vec::new(),
        };
        for (i, q) in bank.questions().iter().enumerate() {
            let Some(topic) = learner.topic_index(&q.topic) else {
                continue;
            };
            if !filters.allows(q) {
                continue;
            }
            catalog.by_id.insert(q.id.clone(), catalog.items.len());
            catalog.bank_index.push(i);
            catalog.allowed[topic] = true;
            catalog.items.push(Item {
                topic,
                b: learner::item_difficulty(q.difficulty),
                kind: kind_code(q.kind),
                fresh: !history.asked_ever.contains(&q.id),
            });
        }
        catalog.due = learner
            .memory()
            .due(now_ms, history.session_started_ms)
            .iter()
            .filter_map(|d| catalog.by_id.get(&d.item).copied())
            .collect();
        catalog
    }
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
            log: Vec::new(),
            pending: None,
            catalog: None,
        }
    }

    /// Notes the answer to a follow-up of `q`: evidence for its topic (the learner weighs it),
    /// not a question asked.
    pub fn record_follow_up(
        &mut self,
        q: &Question,
        evidence: Evidence,
        at_ms: i64,
    ) -> Result<(), LearnerError> {
        self.learner.observe(&Observation {
            question_id: q.id.clone(),
            topic: q.topic.clone(),
            follow_up: true,
            difficulty: q.difficulty,
            evidence,
            at_ms,
        })
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
                follow_up: false,
                difficulty: q.difficulty,
                evidence,
                at_ms,
            })?;
        }
        // Asked without `pick` (a test driving the history) counts as an ordinary question.
        let why = match self.pending.take() {
            Some((id, why)) if id == q.id => why,
            _ => Why::Drill,
        };
        let failed = match evidence {
            Some(Evidence::Score(s)) => s < Policy::new(1).fail_below,
            Some(Evidence::NoAnswer) => true,
            None => false,
        };
        let item = self
            .catalog
            .as_ref()
            .and_then(|c| c.by_id.get(&q.id).copied());
        // A question the filters exclude (the bank changed mid-session) stays out of the log:
        // the policy only needs what it may still ask.
        if let Some(item) = item {
            self.log.push((q.id.clone(), Turn { item, failed, why }));
        }
        self.asked_ever.insert(q.id.clone());
        Ok(())
    }

    pub fn learner(&self) -> &Learner {
        &self.learner
    }

    /// The per-topic report. Its draws use their own seed, so asking for it mid-session does not
    /// change which questions a seeded session asks.
    pub fn status(&self, now_ms: i64) -> Status {
        self.learner.summary(now_ms)
    }
}

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
    let now = crate::clock::now_ms();
    if history
        .catalog
        .as_ref()
        .is_none_or(|c| &c.filters != filters)
    {
        let catalog = Catalog::build(bank, filters, history, now);
        // Re-index the turns so far against the new catalog.
        history.log = std::mem::take(&mut history.log)
            .into_iter()
            .filter_map(|(id, turn)| {
                let item = catalog.by_id.get(&id).copied()?;
                Some((id, Turn { item, ..turn }))
            })
            .collect();
        history.catalog = Some(catalog);
    }
    let catalog = history.catalog.as_ref().expect("built above");
    let learner = &history.learner;
    let mut asked = vec![false; catalog.items.len()];
    let mut covered: Vec<bool> = (0..learner.topics().len())
        .map(|t| learner.answers(t) > 0)
        .collect();
    let log: Vec<Turn> = history.log.iter().map(|(_, t)| *t).collect();
    for t in &log {
        asked[t.item] = true;
        covered[catalog.items[t.item].topic] = true;
    }
    let items: Vec<Item> = catalog
        .items
        .iter()
        .zip(&asked)
        .map(|(item, &asked)| Item {
            fresh: item.fresh && !asked,
            ..*item
        })
        .collect();
    let allowed_topics = catalog.allowed.iter().filter(|&&a| a).count();
    let policy = Policy::new(learner::default_k(allowed_topics));
    let choice = policy.choose(
        &Situation {
            posterior: learner.posterior(),
            items: &items,
            asked: &asked,
            log: &log,
            due: &catalog.due,
            budget,
            covered: &covered,
            answered_before: history.answered_before,
        },
        rng,
    )?;
    let question = &bank.questions()[catalog.bank_index[choice.item]];
    let reason = reason(history, &policy, choice, question, bank, now);
    history.pending = Some((question.id.clone(), choice.why));
    Some(Pick { question, reason })
}

/// The reason shown with a question.
fn reason(
    history: &History,
    policy: &Policy,
    choice: Choice,
    question: &Question,
    bank: &Bank,
    now_ms: i64,
) -> String {
    let learner = &history.learner;
    let catalog = history.catalog.as_ref().expect("picked from a catalog");
    let log = &history.log;
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
            let failed = &bank.questions()[catalog.bank_index[log[of].1.item]];
            let ago = log.len() - of;
            if failed.id == question.id {
                format!("review: you missed this one {ago} questions ago")
            } else {
                format!(
                    "review: like {}, which you missed {ago} questions ago",
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
        // With one difficulty chosen (--difficulty) there are no easier questions to go to.
        Why::Foundation if catalog.filters.difficulty.is_some() => {
            format!("weakest: {topic}, {estimate}")
        }
        Why::Foundation => format!("weakest: {topic}, {estimate}; easier questions first"),
        Why::Drill => {
            let lowest = (0..post.topics())
                .filter(|&u| catalog.allowed[u])
                .min_by(|&a, &b| post.mean(a).total_cmp(&post.mean(b)));
            if lowest == Some(t) {
                format!("weakest: {topic}, {estimate}")
            } else {
                // Thompson sampling drew a topic that may be weaker than its mean says.
                format!("likely weak: {topic}, {estimate}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::{Layer, SourceFile};
    use crate::learner::Params;
    use crate::random::Rng;
    use proptest::prelude::*;

    const TOPICS: [&str; 4] = ["alpha", "beta", "gamma", "delta"];

    /// Eight questions per topic, difficulties in turn, two kinds, half of them at "acme".
    fn bank() -> Bank {
        let mut text = String::new();
        for topic in TOPICS {
            for i in 0..8 {
                let difficulty = ["easy", "medium", "hard"][i % 3];
                let kind = if i % 4 == 3 { "coding" } else { "concept" };
                let companies = if i % 2 == 0 { "[\"acme\"]" } else { "[]" };
                text.push_str(&format!(
                    "[[question]]\nid = \"{topic}-{i}\"\ntopic = \"{topic}\"\nkind = \"{kind}\"\ndifficulty = \"{difficulty}\"\ncompanies = {companies}\nprompt = \"p\"\nwhat_they_test = [\"x\", \"y\", \"z\"]\nstrong_signals = [\"s\"]\nred_flags = [\"r\"]\nfollow_ups = [\"f\"]\nmodel_answer = \"m\"\n\n"
                ));
            }
        }
        let topics: String = TOPICS
            .iter()
            .map(|t| format!("[[topic]]\nid = \"{t}\"\n"))
            .collect();
        Bank::from_sources(&[
            SourceFile {
                name: "topics.toml".into(),
                text: topics,
                layer: Layer::Embedded,
            },
            SourceFile {
                name: "q.toml".into(),
                text,
                layer: Layer::Embedded,
            },
        ])
        .unwrap()
    }

    fn history() -> History {
        let learner = Learner::new(TOPICS.map(String::from).to_vec(), Params::default());
        History::new(learner, Vec::new(), 0)
    }

    /// Runs a session of `budget` picks, scoring each answer with `score` (None: skipped);
    /// returns (question id, reason) per pick.
    fn session(
        bank: &Bank,
        filters: &Filters,
        budget: usize,
        seed: u64,
        score: impl Fn(&Question) -> Option<f64>,
    ) -> (History, Vec<(String, String)>) {
        let mut h = history();
        let mut rng = Rng::new(seed);
        let mut picks = Vec::new();
        for n in 0..budget {
            let Some(p) = pick(bank, filters, budget, &mut h, &mut rng) else {
                break;
            };
            let evidence = score(p.question).map(Evidence::Score);
            h.record(p.question, evidence, 1_000 * n as i64).unwrap();
            picks.push((p.question.id.clone(), p.reason));
        }
        (h, picks)
    }

    #[test]
    fn filters_hold_every_pick_has_a_reason_and_nothing_repeats_unplanned() {
        let bank = bank();
        let filters = Filters {
            topics: vec!["alpha".into(), "beta".into()],
            difficulty: Some(Difficulty::Easy),
            company: Some("ACME".into()),
        };
        let (_, picks) = session(&bank, &filters, 10, 3, |_| Some(0.8));
        assert!(!picks.is_empty());
        for (id, reason) in &picks {
            let q = bank.get(id).unwrap();
            assert!(filters.allows(q), "{id} breaks the filters");
            assert!(!reason.is_empty());
        }
        let mut seen = HashSet::new();
        for (id, reason) in &picks {
            assert!(
                seen.insert(id.clone()) || reason.starts_with("review:"),
                "{id} repeated without being a review"
            );
        }
    }

    #[test]
    fn a_failed_question_comes_back_after_four_others() {
        let bank = bank();
        let filters = Filters {
            topics: vec!["gamma".into()],
            ..Filters::default()
        };
        let (_, picks) = session(&bank, &filters, 8, 1, |q| {
            Some(
                if q.id == "gamma-0" || q.id == "gamma-1" || q.id == "gamma-2" {
                    0.2
                } else {
                    0.9
                },
            )
        });
        let review = picks
            .iter()
            .position(|(_, r)| r.starts_with("review:"))
            .expect("a review was planned");
        let reason = &picks[review].1;
        let failed = picks[..review]
            .iter()
            .position(|(id, _)| reason.contains(id.as_str()))
            .expect("the reason names the failed question");
        assert!(
            ["gamma-0", "gamma-1", "gamma-2"].contains(&picks[failed].0.as_str()),
            "{picks:?}"
        );
        assert!(
            review - failed > 4,
            "at least four others in between: {picks:?}"
        );
        let ago = review - failed;
        assert!(reason.contains(&format!("{ago} questions ago")), "{reason}");
        assert!(
            picks
                .iter()
                .filter(|(_, r)| r.starts_with("review:"))
                .count()
                <= 2,
            "reviews take at most a quarter of the slots"
        );
    }

    #[test]
    fn poor_answers_on_one_topic_end_with_it_reported_weakest_and_drilled() {
        let bank = bank();
        let (h, picks) = session(&bank, &Filters::default(), 24, 5, |q| {
            Some(if q.topic == "gamma" { 0.3 } else { 0.85 })
        });
        let status = h.status(24_000);
        assert_eq!(status.topics[0].topic, "gamma", "{status:#?}");
        assert!(status.topics[0].p_weakest > 0.9);
        let gamma_late = picks[12..]
            .iter()
            .filter(|(id, _)| id.starts_with("gamma"))
            .count();
        assert!(gamma_late >= 2, "the weak topic comes back: {picks:?}");
        assert!(
            picks
                .iter()
                .any(|(_, r)| r.contains("gamma") && r.contains('%')),
            "the reason names the topic with its estimate: {picks:?}"
        );
    }

    #[test]
    fn a_topic_below_the_easiest_questions_comes_back_easier() {
        let bank = bank();
        let (h, picks) = session(&bank, &Filters::default(), 24, 5, |q| {
            Some(if q.topic == "gamma" { 0.0 } else { 0.85 })
        });
        assert_eq!(h.status(24_000).topics[0].topic, "gamma");
        let reviews_of_gamma = picks
            .iter()
            .filter(|(id, r)| id.starts_with("gamma") && r.starts_with("review:"))
            .count();
        assert!(reviews_of_gamma >= 2, "{picks:?}");
        assert!(
            picks
                .iter()
                .any(|(id, r)| id.starts_with("gamma") && r.contains("easier questions first")),
            "a topic where every answer fails gets its easiest questions: {picks:?}"
        );
        assert!(
            !picks
                .iter()
                .any(|(id, r)| !id.starts_with("gamma") && r.contains("easier questions first")),
            "{picks:?}"
        );
    }

    proptest! {
        #[test]
        fn a_seeded_session_is_reproducible(seed in any::<u64>(), scores in prop::collection::vec(0.0f64..=1.0, 12)) {
            let bank = bank();
            let score = |q: &Question| {
                let key: usize = q.id.bytes().map(usize::from).sum();
                Some(scores[key % scores.len()])
            };
            let (_, a) = session(&bank, &Filters::default(), 12, seed, score);
            let (_, b) = session(&bank, &Filters::default(), 12, seed, score);
            prop_assert_eq!(a, b);
        }
    }
}
