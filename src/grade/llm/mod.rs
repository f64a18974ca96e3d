//! The LLM grader: renders the prompts, asks for a JSON verdict (structured output where the
//! server supports it, the schema in the prompt where it does not), validates it and repairs
//! once. When the model cannot deliver it says why; `fallback` is where the offline grader
//! stands in.

pub mod budget;
pub mod fallback;

use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Instant;

use anyhow::{Result, bail};
use serde_json::json;

use super::dispute;
use super::follow_up::pick_follow_up;
use super::verdict::{self, ReasoningStream, Shape};
use super::{Grade, Grader, Outcome, Progress};
use crate::bank::Question;
use crate::config::Price;
use crate::llm::{
    self, CallPurpose, ChatReply, ChatRequest, LlmClient, LlmError, Message, Role, Usage, tokens,
};
use crate::prompt::Prompts;
use crate::rubric::Rubric;
use budget::{Budget, NoRoom, Plan, Trim};

pub const NAME: &str = "llm";

/// Whether the server accepts `response_format: json_schema`; learned on first use.
const UNKNOWN: u8 = 0;
const SUPPORTED: u8 = 1;
const UNSUPPORTED: u8 = 2;

pub struct LlmGrader {
    client: LlmClient,
    runtime: tokio::runtime::Runtime,
    prompts: Prompts,
    price: Option<Price>,
    answer_budget: usize,
    stream: bool,
    structured: AtomicU8,
    /// What grading calls are for in the call log: live grading or a re-grade.
    purpose: CallPurpose,
    budget: Budget,
    /// Tokens received so far, for a progress display.
    progress: Progress,
}

/// Tokens and cost of all calls made for one grade.
#[derive(Debug, Default)]
struct Spend {
    tokens_in: u32,
    tokens_out: u32,
}

/// One request for a verdict: the conversation, built in a form (and with the answer's
/// truncation flag), and what it is for in the call log.
struct Ask<'a> {
    build: &'a dyn Fn(&Form) -> Result<Built>,
    purpose: CallPurpose,
}

/// The grading messages, and whether the answer in them was cut to its token budget.
pub type Built = (Vec<Message>, bool);

/// How the grading messages are built: the verdict's shape, whether its schema goes into the
/// prompt (servers without structured output), and how far the prompt is cut to fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Form {
    pub shape: Shape,
    pub schema_in_prompt: bool,
    pub trim: Trim,
}

/// Why the LLM could not produce a usable verdict.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    Call(LlmError),
    Invalid(String),
    NoRoom(NoRoom),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Call(e) => write!(f, "{e}"),
            Failure::Invalid(e) => write!(f, "its verdict was unusable ({e})"),
            Failure::NoRoom(e) => e.fmt(f),
        }
    }
}

/// The model could not deliver a grade: why, and what trying cost, because the user pays for
/// those tokens even when another grader stands in.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelFailed {
    pub failure: Failure,
    pub tokens_in: u32,
    pub tokens_out: u32,
    pub cost_usd: Option<f64>,
}

impl std::fmt::Display for ModelFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.failure.fmt(f)
    }
}

impl std::error::Error for ModelFailed {}

/// The user pressed Ctrl-C while the model was grading: no grader should stand in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradingCancelled;

impl std::fmt::Display for GradingCancelled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("grading cancelled; the answer is saved and can be re-graded")
    }
}

impl std::error::Error for GradingCancelled {}

impl LlmGrader {
    pub fn new(
        client: LlmClient,
        prompts: Prompts,
        price: Option<Price>,
        answer_budget: usize,
    ) -> Result<LlmGrader> {
        Ok(LlmGrader {
            client,
            runtime: llm::runtime()?,
            prompts,
            price,
            answer_budget,
            stream: true,
            structured: AtomicU8::new(UNKNOWN),
            purpose: CallPurpose::Grade,
            budget: Budget::default(),
            progress: Progress::default(),
        })
    }

    /// Grades within `budget`: its context window, reply size and schema caps.
    pub fn within(mut self, budget: Budget) -> LlmGrader {
        self.budget = budget;
        self
    }

    /// Grading calls logged as `purpose`, so the call log tells a re-grade from live grading.
    pub fn logged_as(mut self, purpose: CallPurpose) -> LlmGrader {
        self.purpose = purpose;
        self
    }

    /// Non-streaming requests, for servers or tests that need them.
    pub fn without_streaming(mut self) -> LlmGrader {
        self.stream = false;
        self
    }

    pub fn model(&self) -> &str {
        &self.client.model
    }

    /// The messages sent for one answer; public so tests and `viva doctor` can show them.
    pub fn messages(
        &self,
        question: &Question,
        rubric: &Rubric,
        answer: &str,
        form: &Form,
    ) -> Result<(Vec<Message>, bool)> {
        messages(
            &self.prompts,
            self.answer_budget,
            question,
            rubric,
            answer,
            form,
        )
    }

    /// The form of a first request: structured output unless the server is known to lack it.
    pub fn form(&self, question: &Question, rubric: &Rubric) -> Form {
        let structured = self.structured.load(Ordering::Relaxed) != UNSUPPORTED;
        Form {
            shape: self.budget.plan(question, rubric, structured).shape,
            schema_in_prompt: !structured,
            trim: Trim::Whole,
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn call(
        &self,
        messages: &[Message],
        structured: bool,
        schema: &serde_json::Value,
        limit: u32,
        purpose: CallPurpose,
        spend: &mut Spend,
        on_text: &mut dyn FnMut(&str),
    ) -> Result<ChatReply, LlmError> {
        let req = ChatRequest {
            messages,
            json_schema: structured.then_some(schema),
            max_tokens: Some(limit),
            stream: self.stream,
        };
        // Counting tokens costs about as much CPU as the rest of a call: only when the server
        // reports no usage.
        let prompt_estimate = || {
            messages
                .iter()
                .map(|m| tokens::count(&m.content))
                .sum::<usize>() as u32
        };
        let mut reasoning = ReasoningStream::default();
        let mut shown = |delta: &str| {
            // Servers stream about one token per chunk.
            self.progress.add(1);
            let text = reasoning.feed(delta);
            if !text.is_empty() {
                on_text(&text);
            }
        };
        let result = llm::cancellable(self.client.chat(purpose, &req, &mut shown)).await;
        let usage = match &result {
            Ok(r) => r.usage.unwrap_or_else(|| Usage {
                prompt_tokens: prompt_estimate(),
                completion_tokens: tokens::count(&r.content) as u32,
            }),
            Err(_) => Usage {
                prompt_tokens: prompt_estimate(),
                completion_tokens: 0,
            },
        };
        spend.tokens_in += usage.prompt_tokens;
        spend.tokens_out += usage.completion_tokens;
        result
    }

    /// Asks for a verdict on `ask`'s conversation, with one repair request when the reply is
    /// not usable.
    async fn verdict(
        &self,
        question: &Question,
        rubric: &Rubric,
        answer: &str,
        ask: &Ask<'_>,
        spend: &mut Spend,
        on_text: &mut dyn FnMut(&str),
    ) -> Result<(Grade, bool), Failure> {
        let mut structured = self.structured.load(Ordering::Relaxed) != UNSUPPORTED;
        let (mut plan, mut schema, (mut messages, truncated)) =
            self.prepare(question, rubric, answer, ask, structured)?;
        let reply = match self
            .call(
                &messages,
                structured,
                &schema,
                plan.limit,
                ask.purpose,
                spend,
                on_text,
            )
            .await
        {
            Err(e) if structured && e.is_rejection() => {
                // The server does not do json_schema: put the schema in the prompt instead.
                self.structured.store(UNSUPPORTED, Ordering::Relaxed);
                structured = false;
                (plan, schema, (messages, _)) =
                    self.prepare(question, rubric, answer, ask, structured)?;
                self.call(
                    &messages,
                    false,
                    &schema,
                    plan.limit,
                    ask.purpose,
                    spend,
                    on_text,
                )
                .await
            }
            other => other,
        }
        .map_err(Failure::Call)?;
        if structured {
            self.structured.store(SUPPORTED, Ordering::Relaxed);
        }
        let checked = match parse(&reply, question, rubric) {
            Ok(c) => c,
            // Cut off at the limit: the verdict is incomplete, and a repair request would run
            // into the same limit.
            Err(_) if reply.finish_reason.as_deref() == Some("length") => {
                return Err(Failure::Invalid(format!(
                    "the reply was cut off at the completion limit of {} tokens",
                    plan.limit
                )));
            }
            Err(error) => {
                self.repair_request(
                    &mut messages,
                    &reply.content,
                    &error,
                    question,
                    rubric,
                    &plan,
                )?;
                let again = self
                    .call(
                        &messages,
                        structured,
                        &schema,
                        plan.limit,
                        CallPurpose::Repair,
                        spend,
                        &mut |_| {},
                    )
                    .await
                    .map_err(Failure::Call)?;
                parse(&again, question, rubric).map_err(|e| {
                    Failure::Invalid(format!("{error}; after a repair request: {e}"))
                })?
            }
        };
        let mut grade = verdict::into_grade(checked, question, rubric, answer);
        // A model that proposes no follow-up (small ones often write null) gets the bank's,
        // aimed at the weakest point, as the offline grader does.
        if grade.follow_up.is_none() && grade.outcome == Outcome::Graded {
            grade.follow_up = pick_follow_up(question, &grade.key_points);
        }
        grade.model = reply
            .model
            .clone()
            .or_else(|| Some(self.client.model.clone()));
        Ok((grade, truncated))
    }

    /// The plan, schema and messages of a request, the prompt cut to fit the context window.
    fn prepare(
        &self,
        question: &Question,
        rubric: &Rubric,
        answer: &str,
        ask: &Ask<'_>,
        structured: bool,
    ) -> Result<(Plan, serde_json::Value, Built), Failure> {
        let plan = self.budget.plan(question, rubric, structured);
        let schema = verdict::schema(question, rubric, &plan.shape);
        let build = |trim| {
            (ask.build)(&Form {
                shape: plan.shape,
                schema_in_prompt: !structured,
                trim,
            })
        };
        let built = self
            .budget
            .fit(&plan, answer, self.answer_budget, &build)
            .map_err(|e| Failure::Invalid(format!("{e:#}")))?
            .map_err(Failure::NoRoom)?;
        Ok((plan, schema, built))
    }

    /// Turns `messages` into the repair request: the error and what a verdict needs, after the
    /// unusable reply when it fits the context window, else without it (the model grades
    /// again rather than reading its own long reply back).
    fn repair_request(
        &self,
        messages: &mut Vec<Message>,
        reply: &str,
        error: &str,
        question: &Question,
        rubric: &Rubric,
        plan: &Plan,
    ) -> Result<(), Failure> {
        let repair = self
            .prompts
            .render("repair.j2", json!({
                "error": error,
                "key_points": question.what_they_test.len(),
                "criteria": rubric.criteria.iter().map(|c| c.id.as_str()).collect::<Vec<_>>().join(", "),
            }))
            .map_err(|e| Failure::Invalid(format!("{e:#}")))?;
        let used = budget::prompt_tokens(messages) + plan.limit + budget::REPAIR_ROOM;
        let echo = [Message::new(Role::Assistant, reply)];
        if used + budget::prompt_tokens(&echo) <= self.budget.context_window {
            messages.extend(echo);
            messages.push(Message::new(Role::User, repair));
        } else if let Some(last) = messages.iter_mut().rev().find(|m| m.role == Role::User) {
            last.content.push_str("\n\n");
            last.content.push_str(&repair);
        }
        Ok(())
    }
}

/// The grading messages for one answer (system, then user), and whether the answer was cut to
/// `answer_budget` tokens. Shared by the live grader and the batch files, so both ask the same.
/// The answer with every spelling of the fence tags neutralised, so it cannot close a fence
/// early: any case, spaces inside the brackets (`</ Candidate_Answer >`).
fn unfenced(answer: &str) -> String {
    static TAG: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let tag = TAG.get_or_init(|| {
        regex::Regex::new(r"(?i)<\s*(/?)\s*(candidate_answer|earlier_answer)\s*>")
            .expect("a valid pattern")
    });
    tag.replace_all(answer, "‹${1}${2}›").into_owned()
}

/// Share of the answer budget the earlier answer of a follow-up may take: it is context.
const EARLIER_ANSWER_SHARE: usize = 4;

pub fn messages(
    prompts: &Prompts,
    answer_budget: usize,
    question: &Question,
    rubric: &Rubric,
    answer: &str,
    form: &Form,
) -> Result<(Vec<Message>, bool)> {
    let (question, answer_budget) = trimmed(question, answer_budget, form.trim);
    let question = question.as_ref();
    let (answer, truncated) = tokens::truncate(answer, answer_budget);
    let fenced = unfenced(&answer);
    let schema = serde_json::to_string(&verdict::schema(question, rubric, &form.shape))?;
    let follows = question.follows.as_ref().map(|f| {
        let (earlier, _) = tokens::truncate(&f.answer, answer_budget / EARLIER_ANSWER_SHARE);
        json!({"prompt": f.prompt, "answer": unfenced(&earlier), "own_rubric": f.own_rubric})
    });
    let system = prompts.render(
        "grade_system.j2",
        json!({"schema_in_prompt": form.schema_in_prompt, "schema": schema,
            "reasoning": form.shape.reasoning, "caps": form.shape.caps}),
    )?;
    let user = prompts.render(
        "grade_user.j2",
        json!({"question": question, "rubric": rubric, "criteria": rubric.criteria, "answer": fenced, "truncated": truncated, "budget": answer_budget, "follows": follows}),
    )?;
    Ok((
        vec![
            Message::new(Role::System, system),
            Message::new(Role::User, user),
        ],
        truncated,
    ))
}

/// The question as the prompt shows it at `trim`, and the answer's budget.
fn trimmed(
    question: &Question,
    answer_budget: usize,
    trim: Trim,
) -> (std::borrow::Cow<'_, Question>, usize) {
    if trim == Trim::Whole {
        return (std::borrow::Cow::Borrowed(question), answer_budget);
    }
    let mut q = question.clone();
    q.strong_signals.clear();
    if trim != Trim::NoSignals {
        q.model_answer.clear();
    }
    let budget = match trim {
        Trim::Answer(n) => n.min(answer_budget),
        _ => answer_budget,
    };
    (std::borrow::Cow::Owned(q), budget)
}

/// The note a grade carries when the grader saw only the first `budget` tokens of the answer.
pub fn truncation_note(budget: usize) -> String {
    format!("your answer was longer than {budget} tokens; the grader saw the first {budget}")
}

/// Finds, validates and checks a verdict in one reply; the error says what is wrong with it.
pub fn parse(
    reply: &ChatReply,
    question: &Question,
    rubric: &Rubric,
) -> Result<verdict::Checked, String> {
    // Some servers put everything in reasoning_content and leave content empty.
    let text = if reply.content.trim().is_empty() {
        &reply.reasoning
    } else {
        &reply.content
    };
    let value = verdict::extract(text)?;
    verdict::validate(&value, question, rubric)
}

impl LlmGrader {
    /// What every grade made here carries: the truncation and call-log notes, who graded, tokens,
    /// cost, time.
    fn finish(&self, mut grade: Grade, truncated: bool, spend: &Spend, started: Instant) -> Grade {
        if truncated {
            grade.notes.push(truncation_note(self.answer_budget));
        }
        // The library prints nothing: a call the log lost is told where the user looks.
        if let Some(why) = self.client.take_log_failure() {
            grade
                .notes
                .push(format!("a model call could not be logged: {why}"));
        }
        grade.grader = NAME.to_string();
        grade.prompt_version = Some(self.prompts.version());
        grade.tokens_in = Some(spend.tokens_in);
        grade.tokens_out = Some(spend.tokens_out);
        grade.cost_usd = self.cost(spend);
        grade.latency_ms = llm::millis(started.elapsed());
        grade
    }

    /// Dollars for the tokens spent, when the model's price is known.
    fn cost(&self, spend: &Spend) -> Option<f64> {
        self.price
            .map(|p| tokens::cost(p, spend.tokens_in, spend.tokens_out))
    }
}

/// Blocks on the grader's own current-thread runtime. A failed grade is a `ModelFailed` error
/// and a cancelled one a `GradingCancelled`, so a caller can tell them apart: re-grading stores
/// neither, `fallback::Fallback` grades offline on the first.
impl Grader for LlmGrader {
    fn name(&self) -> &str {
        NAME
    }

    fn progress(&self) -> Option<Progress> {
        Some(self.progress.clone())
    }

    fn grade(&self, question: &Question, rubric: &Rubric, answer: &str) -> Result<Grade> {
        self.grade_streaming(question, rubric, answer, &mut |_| {})
    }

    fn grade_streaming(
        &self,
        question: &Question,
        rubric: &Rubric,
        answer: &str,
        on_text: &mut dyn FnMut(&str),
    ) -> Result<Grade> {
        let started = Instant::now();
        let mut spend = Spend::default();
        let build = |form: &Form| self.messages(question, rubric, answer, form);
        let ask = Ask {
            build: &build,
            purpose: self.purpose,
        };
        let outcome = self
            .runtime
            .block_on(self.verdict(question, rubric, answer, &ask, &mut spend, on_text));
        match outcome {
            Ok((grade, truncated)) => Ok(self.finish(grade, truncated, &spend, started)),
            Err(Failure::Call(LlmError::Cancelled)) => Err(GradingCancelled.into()),
            Err(failure) => Err(ModelFailed {
                failure,
                tokens_in: spend.tokens_in,
                tokens_out: spend.tokens_out,
                cost_usd: self.cost(&spend),
            }
            .into()),
        }
    }

    fn reconsider(
        &self,
        question: &Question,
        rubric: &Rubric,
        answer: &str,
        previous: &Grade,
        objection: &str,
    ) -> Result<Option<Grade>> {
        let started = Instant::now();
        let mut spend = Spend::default();
        // The objection is fenced like the answer: it is the candidate's say, not an instruction.
        let fenced = objection
            .replace("<objection>", "‹objection›")
            .replace("</objection>", "‹/objection›");
        let build = |form: &Form| -> Result<(Vec<Message>, bool)> {
            let (mut messages, truncated) = self.messages(question, rubric, answer, form)?;
            messages.push(Message::new(
                Role::Assistant,
                dispute::previous_verdict(previous, question).to_string(),
            ));
            messages.push(Message::new(
                Role::User,
                self.prompts
                    .render("dispute.j2", json!({"objection": fenced}))?,
            ));
            Ok((messages, truncated))
        };
        let ask = Ask {
            build: &build,
            purpose: CallPurpose::Dispute,
        };
        let outcome = self.runtime.block_on(self.verdict(
            question,
            rubric,
            answer,
            &ask,
            &mut spend,
            &mut |_| {},
        ));
        match outcome {
            Ok((grade, truncated)) => Ok(Some(self.finish(grade, truncated, &spend, started))),
            Err(Failure::Call(LlmError::Cancelled)) => bail!("re-grading cancelled"),
            Err(Failure::Call(e)) => bail!("the grader could not re-grade: {e}"),
            Err(Failure::Invalid(e)) => bail!("the grader's re-grade was unusable ({e})"),
            Err(Failure::NoRoom(e)) => bail!("the grader could not re-grade: {e}"),
        }
    }
}
