//! A grade's token budget. The verdict's shape and the completion limit are sized to the
//! question's rubric; the prompt is cut down, step by step, until the prompt, the longest reply
//! and a repair request fit the server's context window, or the grade is refused with the
//! figures. Small local models on two cores write 5-8 tokens a second: every token of the
//! budget is time the candidate waits.

use crate::bank::Question;
use crate::config::DEFAULT_CONTEXT_WINDOW;
use crate::grade::verdict::{self, Caps, Shape};
use crate::llm::{Message, tokens};
use crate::rubric::Rubric;

/// How a grade may spend tokens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    /// Tokens the server holds per request, prompt and reply together.
    pub context_window: u32,
    /// The most one reply may take, when configured; otherwise sized to the question.
    pub reply_tokens: Option<u32>,
    /// The server enforces `maxLength` in its grammar (local servers); hosted strict modes
    /// reject the keyword, so there the caps are only asked for in the prompt.
    pub capped_schema: bool,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget {
            context_window: DEFAULT_CONTEXT_WINDOW,
            reply_tokens: None,
            capped_schema: false,
        }
    }
}

/// The shape of one grade's verdict and the completion limit sent with it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    pub shape: Shape,
    pub limit: u32,
}

/// How far a grading prompt is cut to fit the context window, in the order the cuts are made:
/// the strong signals first, then the reference answer, then the answer's tail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trim {
    Whole,
    NoSignals,
    NoReference,
    /// Also the answer cut to this many tokens.
    Answer(usize),
}

/// Tokens kept free beside the prompt and the reply for the repair request's own message.
pub const REPAIR_ROOM: u32 = 120;

/// The shortest answer worth grading when the prompt has to be cut to fit.
const MIN_ANSWER_TOKENS: usize = 100;

/// The prompt does not fit the context window even cut down as far as it goes.
#[derive(Debug, Clone, PartialEq)]
pub struct NoRoom {
    pub prompt: u32,
    pub reply: u32,
    pub window: u32,
}

impl std::fmt::Display for NoRoom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the grading request needs about {} tokens (prompt {}, reply {}, repair {}), more than the context window of {} (context_window in config.toml, if the server holds more)",
            self.prompt + self.reply + REPAIR_ROOM,
            self.prompt,
            self.reply,
            REPAIR_ROOM,
            self.window
        )
    }
}

impl Budget {
    /// The verdict's shape and the completion limit for `question`. With structured output the
    /// verdict starts with the model's reasoning; without, a small model would ramble, so it
    /// gives the verdict alone. A configured budget smaller than the full shape needs drops the
    /// reasoning first, then shortens every text.
    pub fn plan(&self, question: &Question, rubric: &Rubric, structured: bool) -> Plan {
        let full = Shape {
            reasoning: structured,
            caps: Caps::FULL,
            capped_schema: self.capped_schema && structured,
        };
        let Some(budget) = self.reply_tokens else {
            return Plan {
                shape: full,
                limit: reply_tokens(question, rubric, &full),
            };
        };
        let terse = Shape {
            reasoning: false,
            ..full
        };
        let smaller = [1.0, 0.75, 0.5, 0.3].into_iter().map(|f| Shape {
            caps: Caps::FULL.scaled(f),
            ..terse
        });
        let mut shapes = std::iter::once(full).chain(smaller).peekable();
        while let Some(shape) = shapes.next() {
            if shapes.peek().is_none() || reply_tokens(question, rubric, &shape) <= budget {
                return Plan {
                    shape,
                    limit: budget,
                };
            }
        }
        unreachable!("the list of shapes is not empty")
    }

    /// The prompt built at the least trim that leaves room for the reply and a repair request,
    /// with the trim used; `NoRoom` when even the most does not.
    pub fn fit<T>(
        &self,
        plan: &Plan,
        answer: &str,
        answer_budget: usize,
        build: &dyn Fn(Trim) -> anyhow::Result<(Vec<Message>, T)>,
    ) -> anyhow::Result<Result<(Vec<Message>, T), NoRoom>> {
        let room = self.context_window.saturating_sub(plan.limit + REPAIR_ROOM);
        let mut last = 0;
        for trim in [Trim::Whole, Trim::NoSignals, Trim::NoReference] {
            let built = build(trim)?;
            last = prompt_tokens(&built.0);
            if last <= room {
                return Ok(Ok(built));
            }
        }
        // Cut the answer by what is still over, plus the margin of the estimate.
        let answer_tokens = tokens::count(answer).min(answer_budget);
        let over = (last - room) as usize;
        let keep = answer_tokens.saturating_sub(over + over / 5 + 16);
        if keep >= MIN_ANSWER_TOKENS {
            let built = build(Trim::Answer(keep))?;
            last = prompt_tokens(&built.0);
            if last <= room {
                return Ok(Ok(built));
            }
        }
        Ok(Err(NoRoom {
            prompt: last,
            reply: plan.limit,
            window: self.context_window,
        }))
    }
}

/// The tokens a reply of `shape` may take: its largest verdict counted, with a margin for
/// tokenizers that split text finer than tiktoken's o200k.
pub fn reply_tokens(question: &Question, rubric: &Rubric, shape: &Shape) -> u32 {
    let counted = tokens::count(&verdict::largest(question, rubric, shape)) as f64;
    (counted * 1.2) as u32 + 16
}

/// The prompt's tokens as the server will count them: o200k's count with a tenth more for
/// other tokenizers, and a few tokens per message for the chat template.
pub fn prompt_tokens(messages: &[Message]) -> u32 {
    let counted: usize = messages.iter().map(|m| tokens::count(&m.content) + 8).sum();
    (counted as f64 * 1.1) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::Bank;
    use crate::llm::Role;
    use crate::rubric::Rubrics;

    fn gil() -> (Question, Rubric) {
        let bank = Bank::load(None).unwrap();
        let q = bank.get("gil-what-it-is").unwrap().clone();
        let rubric = Rubrics::embedded().for_kind(q.kind).clone();
        (q, rubric)
    }

    #[test]
    fn a_full_grade_and_its_repair_fit_a_4096_token_window() {
        let (q, rubric) = gil();
        let plan = Budget::default().plan(&q, &rubric, true);
        assert!(plan.shape.reasoning);
        assert!(
            (250..=800).contains(&plan.limit),
            "a reply of {} tokens",
            plan.limit
        );
        // The bank's longest prompts are about 1,500 tokens.
        assert!(1500 + plan.limit + REPAIR_ROOM <= 4096);
    }

    #[test]
    fn a_small_reply_budget_drops_the_reasoning_then_shortens_the_texts() {
        let (q, rubric) = gil();
        let full = Budget::default().plan(&q, &rubric, true);
        // Just under what the full shape needs: the reasoning goes, the caps stay.
        let terse = Shape {
            reasoning: false,
            ..full.shape
        };
        let just_under = reply_tokens(&q, &rubric, &terse);
        assert!(just_under < full.limit);
        let budget = Budget {
            reply_tokens: Some(just_under),
            ..Budget::default()
        };
        let plan = budget.plan(&q, &rubric, true);
        assert!(!plan.shape.reasoning);
        assert_eq!(plan.shape.caps, Caps::FULL);
        assert_eq!(plan.limit, just_under);
        let half = Shape {
            reasoning: false,
            caps: Caps::FULL.scaled(0.5),
            ..full.shape
        };
        let tight = Budget {
            reply_tokens: Some(reply_tokens(&q, &rubric, &half)),
            ..Budget::default()
        };
        let plan = tight.plan(&q, &rubric, true);
        assert!(plan.shape.caps.evidence < Caps::FULL.evidence);
        assert!(reply_tokens(&q, &rubric, &plan.shape) <= reply_tokens(&q, &rubric, &half));
    }

    #[test]
    fn without_structured_output_there_is_no_reasoning_and_no_schema_cap() {
        let (q, rubric) = gil();
        let budget = Budget {
            capped_schema: true,
            ..Budget::default()
        };
        let plan = budget.plan(&q, &rubric, false);
        assert!(!plan.shape.reasoning && !plan.shape.capped_schema);
    }

    /// A prompt of the question's, the signals', the reference's and the answer's words, cut as
    /// asked.
    fn prompt(trim: Trim, answer: &str) -> anyhow::Result<(Vec<Message>, Trim)> {
        let words = |n: usize| "word ".repeat(n);
        let mut text = words(1500);
        if trim == Trim::Whole {
            text += &words(800);
        }
        if matches!(trim, Trim::Whole | Trim::NoSignals) {
            text += &words(800);
        }
        text += &match trim {
            Trim::Answer(n) => tokens::truncate(answer, n).0,
            _ => answer.to_string(),
        };
        Ok((vec![Message::new(Role::User, text)], trim))
    }

    #[test]
    fn the_prompt_is_cut_step_by_step_until_it_fits() {
        let (q, rubric) = gil();
        let budget = Budget::default();
        let plan = budget.plan(&q, &rubric, true);
        let short = "word ".repeat(100);
        let fit = |answer: &str| {
            budget
                .fit(&plan, answer, 1500, &|t| prompt(t, answer))
                .unwrap()
        };
        // 1,500 + 800 + 800 + 100 words: only the signals need to go.
        assert_eq!(fit(&short).unwrap().1, Trim::NoSignals);
        let long = "word ".repeat(2200);
        let (messages, trim) = fit(&long).unwrap();
        assert!(
            matches!(trim, Trim::Answer(n) if n >= MIN_ANSWER_TOKENS),
            "{trim:?}"
        );
        assert!(prompt_tokens(&messages) + plan.limit + REPAIR_ROOM <= 4096);
        // A window too small for any answer is refused, with the figures.
        let tiny = Budget {
            context_window: 1024,
            ..budget
        };
        let refused = tiny
            .fit(&plan, &long, 1500, &|t| prompt(t, &long))
            .unwrap()
            .unwrap_err();
        assert_eq!(refused.window, 1024);
        assert!(refused.to_string().contains("context window of 1024"));
    }
}
