//! `viva regrade`: grade stored answers again, with the grader configured now. Every grade is a
//! new row (the history stays; the latest wins), written as soon as it arrives, so Ctrl-C keeps
//! everything that finished. Model requests run up to N at a time on one runtime.

pub mod batch;
pub mod summary;

use anyhow::Result;
use futures::StreamExt;
use indicatif::ProgressBar;

use crate::bank::{Bank, Question};
use crate::clock::now_ms;
use crate::grade::llm::{Failure, LlmGrader};
use crate::grade::offline::OfflineGrader;
use crate::grade::{Grade, Grader, Outcome};
use crate::llm::{self, LlmError};
use crate::rubric::Rubrics;
use crate::session::follow_up_question;
use crate::store::{RegradeTarget, Store};

/// A stored answer and the question to grade it against.
#[derive(Debug, Clone)]
pub struct Job {
    pub target: RegradeTarget,
    /// The bank question, or for a follow-up the question rebuilt from it.
    pub question: Question,
}

/// A turn that was not re-graded, and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NotGraded {
    pub turn_id: i64,
    pub reason: String,
}

/// One re-graded turn: its score before and after.
#[derive(Debug, Clone, PartialEq)]
pub struct Regraded {
    pub turn_id: i64,
    pub topic: String,
    /// (score, graded, grader) of the grade it replaced, if any.
    pub before: Option<(u8, bool, String)>,
    pub after: (u8, bool),
    /// Who graded now: "llm (model)" or "offline".
    pub grader: String,
}

impl Regraded {
    pub fn new(target: &RegradeTarget, grade: &Grade) -> Regraded {
        Regraded {
            turn_id: target.turn_id,
            topic: target.topic.clone(),
            before: target.previous.clone(),
            after: (grade.score, grade.outcome == Outcome::Graded),
            grader: match &grade.model {
                Some(m) => format!("{} ({m})", grade.grader),
                None => grade.grader.clone(),
            },
        }
    }
}

/// The question a stored turn is graded against. A follow-up is rebuilt as the session built
/// it: the follow-up's text with the points its parent's grade *at the time* had not covered
/// (a later re-grade of the parent does not change what the follow-up asked).
pub fn job(store: &Store, bank: &Bank, target: RegradeTarget) -> Result<Result<Job, NotGraded>> {
    let Some(q) = bank.get(&target.question_id) else {
        return Ok(Err(NotGraded {
            turn_id: target.turn_id,
            reason: format!("question {:?} is no longer in the bank", target.question_id),
        }));
    };
    let question = match target.parent_id {
        None => q.clone(),
        Some(_) => match store.parent_grade_when_asked(target.turn_id)? {
            Some(g) => follow_up_question(q, &g, &target.prompt),
            None => Question {
                prompt: target.prompt.clone(),
                ..q.clone()
            },
        },
    };
    Ok(Ok(Job { target, question }))
}

/// Jobs for the targets, and the targets that cannot be graded.
pub fn jobs(
    store: &Store,
    bank: &Bank,
    targets: Vec<RegradeTarget>,
) -> Result<(Vec<Job>, Vec<NotGraded>)> {
    let mut jobs = Vec::new();
    let mut skipped = Vec::new();
    for t in targets {
        match job(store, bank, t)? {
            Ok(j) => jobs.push(j),
            Err(n) => skipped.push(n),
        }
    }
    Ok((jobs, skipped))
}

/// Which grader re-grades.
pub enum Engine<'a> {
    Offline,
    Llm(&'a LlmGrader),
}

enum Miss {
    Cancelled,
    Failed(String),
}

impl Engine<'_> {
    /// The model's own grade or a reason: a re-grade never stores an offline fallback in the
    /// model's place.
    async fn grade(&self, q: &Question, rubrics: &Rubrics, answer: &str) -> Result<Grade, Miss> {
        let rubric = rubrics.for_kind(q.kind);
        match self {
            Engine::Offline => {
                // The offline grader never waits, so without a yield the runtime would not get
                // round to its signal driver and Ctrl-C would go unnoticed until the end.
                tokio::task::yield_now().await;
                OfflineGrader
                    .grade(q, rubric, answer)
                    .map_err(|e| Miss::Failed(format!("{e:#}")))
            }
            Engine::Llm(g) => g
                .try_grade_async(q, rubric, answer)
                .await
                .map_err(|f| match f {
                    Failure::Call(LlmError::Cancelled) => Miss::Cancelled,
                    other => Miss::Failed(other.to_string()),
                }),
        }
    }
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Run {
    pub regraded: Vec<Regraded>,
    pub failed: Vec<NotGraded>,
    /// Ctrl-C stopped the run; `not_done` jobs were left as they were.
    pub interrupted: bool,
    pub not_done: usize,
}

/// Grades the jobs, up to `concurrency` at a time, storing each grade as it arrives.
pub fn run(
    store: &Store,
    rubrics: &Rubrics,
    jobs: &[Job],
    engine: &Engine,
    concurrency: usize,
    progress: &ProgressBar,
) -> Result<Run> {
    let runtime = llm::runtime()?;
    runtime.block_on(async {
        let mut run = Run::default();
        let mut pending = futures::stream::iter(jobs)
            .map(|job| async move {
                let grade = engine
                    .grade(&job.question, rubrics, &job.target.answer)
                    .await;
                (job, grade)
            })
            .buffer_unordered(concurrency.max(1));
        let ctrl_c = tokio::signal::ctrl_c();
        tokio::pin!(ctrl_c);
        loop {
            let (job, grade) = tokio::select! {
                next = pending.next() => match next {
                    Some(done) => done,
                    None => break,
                },
                _ = &mut ctrl_c => {
                    run.interrupted = true;
                    break;
                }
            };
            match grade {
                Ok(g) => {
                    store.insert_grade(job.target.turn_id, now_ms(), &g)?;
                    run.regraded.push(Regraded::new(&job.target, &g));
                }
                Err(Miss::Cancelled) => {
                    run.interrupted = true;
                    break;
                }
                Err(Miss::Failed(reason)) => run.failed.push(NotGraded {
                    turn_id: job.target.turn_id,
                    reason,
                }),
            }
            progress.inc(1);
        }
        run.not_done = jobs.len() - run.regraded.len() - run.failed.len();
        Ok(run)
    })
}
