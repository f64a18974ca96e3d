//! `viva regrade`: grade stored answers again, with the grader configured now. Every grade is a
//! new row (the history stays; the latest wins), written as soon as it arrives, so Ctrl-C keeps
//! everything that finished. Answers are graded up to N at a time.

pub mod batch;
pub mod summary;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use anyhow::Result;

use crate::bank::{Bank, Question};
use crate::clock::now_ms;
use crate::grade::llm::GradingCancelled;
use crate::grade::{Grade, Grader, Outcome};
use crate::llm;
use crate::rubric::Rubrics;
use crate::session::{charge_hints, follow_up_question};
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
/// it: a bank follow-up with its own rubric, any other with the points its parent's grade *at
/// the time* had not covered (a later re-grade of the parent does not change what it asked).
pub fn job(store: &Store, bank: &Bank, target: RegradeTarget) -> Result<Result<Job, NotGraded>> {
    let Some(q) = bank.get(&target.question_id) else {
        return Ok(Err(NotGraded {
            turn_id: target.turn_id,
            reason: format!("question {:?} is no longer in the bank", target.question_id),
        }));
    };
    let question = match target.parent_id {
        None => q.clone(),
        Some(_) => {
            let answer = store.parent_answer(target.turn_id)?.unwrap_or_default();
            match store.parent_grade_when_asked(target.turn_id)? {
                Some(g) => follow_up_question(q, &g, &target.prompt, &answer),
                None => q.follow_up(&target.prompt, &answer, &[]),
            }
        }
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

/// How far a run has got, after each answer: for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Answers graded or failed so far.
    pub done: usize,
    pub total: usize,
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

/// Grades the jobs with `grader`, up to `concurrency` at a time, storing each grade as it
/// arrives and telling `on_progress`. The grader is used as given: a re-grade never stores an
/// offline fallback in the model's place, so it is not wrapped in one.
pub fn run(
    store: &Store,
    rubrics: &Rubrics,
    jobs: &[Job],
    grader: &(dyn Grader + Sync),
    concurrency: usize,
    on_progress: &mut dyn FnMut(Progress),
) -> Result<Run> {
    // Graders are synchronous, so each of `concurrency` threads grades one job at a time; this
    // thread stores what they send and watches for Ctrl-C.
    let runtime = llm::runtime()?;
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (sender, mut graded) = tokio::sync::mpsc::unbounded_channel();
    std::thread::scope(|scope| {
        for _ in 0..concurrency.clamp(1, jobs.len().max(1)) {
            let sender = sender.clone();
            let (next, stop) = (&next, &stop);
            scope.spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let Some(job) = jobs.get(next.fetch_add(1, Ordering::SeqCst)) else {
                        break;
                    };
                    let q = &job.question;
                    let grade = grader.grade(q, rubrics.for_kind(q.kind), &job.target.answer);
                    // A cancelled request means Ctrl-C: take no further job.
                    if grade.as_ref().is_err_and(|e| e.is::<GradingCancelled>()) {
                        stop.store(true, Ordering::SeqCst);
                    }
                    if sender.send((job, grade)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        let run = runtime.block_on(async {
            let mut run = Run::default();
            let ctrl_c = tokio::signal::ctrl_c();
            tokio::pin!(ctrl_c);
            loop {
                let (job, grade) = tokio::select! {
                    next = graded.recv() => match next {
                        Some(done) => done,
                        None => break,
                    },
                    _ = &mut ctrl_c => {
                        run.interrupted = true;
                        break;
                    }
                };
                match grade {
                    Ok(mut g) => {
                        charge_hints(&mut g, job.target.hints);
                        store.insert_grade(job.target.turn_id, now_ms(), &g)?;
                        run.regraded.push(Regraded::new(&job.target, &g));
                    }
                    Err(e) if e.is::<GradingCancelled>() => {
                        run.interrupted = true;
                        break;
                    }
                    Err(e) => run.failed.push(NotGraded {
                        turn_id: job.target.turn_id,
                        reason: format!("{e:#}"),
                    }),
                }
                on_progress(Progress {
                    done: run.regraded.len() + run.failed.len(),
                    total: jobs.len(),
                });
            }
            run.not_done = jobs.len() - run.regraded.len() - run.failed.len();
            Ok::<Run, anyhow::Error>(run)
        });
        // Whatever the threads grade from here on is dropped, as Ctrl-C asked.
        stop.store(true, Ordering::SeqCst);
        drop(graded);
        run
    })
}
