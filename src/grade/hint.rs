//! Hints: a ladder of up to three the bank writes for each question, gentlest first: a nudge
//! (a question that points the way), the concept to recall, then half an answer. Each rung gives
//! away more, so each costs more; any grader's session offers them, so they read only the bank.

use crate::bank::Question;

/// Points each rung of the ladder costs in study mode: a nudge little, half an answer a lot.
pub const COSTS: [u8; 3] = [5, 10, 20];

/// One rung of a question's hint ladder.
#[derive(Debug, Clone, PartialEq)]
pub struct Hint {
    /// 1-based: 1 the nudge, 2 the concept, 3 half an answer.
    pub level: usize,
    /// How many rungs the question has.
    pub of: usize,
    pub text: String,
    pub cost: u8,
}

/// Rung `level` (1-based) of the question's ladder; None past its last rung.
pub fn hint(question: &Question, level: usize) -> Option<Hint> {
    let text = question.hints.get(level.checked_sub(1)?)?;
    Some(Hint {
        level,
        of: question.hints.len(),
        text: text.clone(),
        cost: cost_of(level),
    })
}

fn cost_of(level: usize) -> u8 {
    COSTS[level.clamp(1, COSTS.len()) - 1]
}

/// What the first `used` rungs cost together.
pub fn total_cost(used: u32) -> u8 {
    (1..=used as usize).map(cost_of).fold(0, u8::saturating_add)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rung_costs_more_than_the_one_before() {
        assert!(COSTS.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(total_cost(0), 0);
        assert_eq!(total_cost(2), COSTS[0] + COSTS[1]);
        assert_eq!(total_cost(3), COSTS.iter().sum::<u8>());
    }

    #[test]
    fn the_ladder_is_the_banks_hints_in_order() {
        let bank = crate::bank::Bank::load(None).unwrap();
        let q = bank
            .questions()
            .iter()
            .find(|q| q.hints.len() >= 2)
            .unwrap();
        let first = hint(q, 1).unwrap();
        assert_eq!((first.level, first.text.as_str()), (1, q.hints[0].as_str()));
        assert_eq!(hint(q, 2).unwrap().cost, COSTS[1]);
        assert!(hint(q, q.hints.len() + 1).is_none());
        assert!(hint(q, 0).is_none());
    }
}
