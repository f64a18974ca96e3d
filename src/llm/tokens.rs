//! Token counts and cost. The encoder is loaded lazily (tiktoken-rs singletons), so an offline
//! session never pays for it. o200k is the encoding of current OpenAI models; for other models
//! the count is an estimate, used only when the server reports no usage.

use tiktoken_rs::o200k_base_singleton;

use crate::config::Price;

pub fn count(text: &str) -> usize {
    o200k_base_singleton().encode_ordinary(text).len()
}

/// The text cut to at most `budget` tokens, and whether it was cut.
pub fn truncate(text: &str, budget: usize) -> (String, bool) {
    // Every token is at least one byte: a text no longer than the budget in bytes fits without
    // being encoded.
    if text.len() <= budget {
        return (text.to_string(), false);
    }
    let bpe = o200k_base_singleton();
    let tokens = bpe.encode_ordinary(text);
    if tokens.len() <= budget {
        return (text.to_string(), false);
    }
    let cut = bpe
        .decode(&tokens[..budget])
        .unwrap_or_else(|_| text.chars().take(budget * 3).collect());
    (cut, true)
}

/// Dollars for a call.
pub fn cost(price: Price, tokens_in: u32, tokens_out: u32) -> f64 {
    (f64::from(tokens_in) * price.input + f64::from(tokens_out) * price.output) / 1_000_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_truncates() {
        let text = "The GIL lets one thread run bytecode at a time. ".repeat(50);
        let n = count(&text);
        assert!(n > 100);
        let (cut, was_cut) = truncate(&text, 20);
        assert!(was_cut);
        assert_eq!(count(&cut), 20);
        assert!(text.starts_with(&cut));
        assert_eq!(truncate("short", 20), ("short".to_string(), false));
    }

    #[test]
    fn cost_is_per_million_tokens() {
        let p = Price {
            input: 1.0,
            output: 2.0,
        };
        assert!((cost(p, 1_000_000, 500_000) - 2.0).abs() < 1e-9);
    }
}
