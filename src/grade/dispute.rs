//! Disputes about a grade: the previous verdict as the grader is shown it again, and what a
//! re-grade changed, said point by point.

use serde_json::{Value, json};

use super::{Grade, Outcome};
use crate::bank::Question;

/// The previous grade in the shape of the verdict schema, for the re-grading conversation.
pub fn previous_verdict(previous: &Grade, question: &Question) -> Value {
    json!({
        "insufficient_evidence": previous.outcome == Outcome::InsufficientEvidence,
        "key_points": previous.key_points.iter().map(|k| json!({
            "id": k.id, "verdict": k.verdict, "evidence": k.evidence.as_deref().unwrap_or("")
        })).collect::<Vec<_>>(),
        "criteria": previous.criteria.iter().map(|c| (c.id.clone(), json!(c.level))).collect::<serde_json::Map<_, _>>(),
        "red_flags": previous.red_flags.iter().filter_map(|f| {
            let id = question.red_flags.iter().position(|q| *q == f.flag)? + 1;
            Some(json!({"id": id, "evidence": f.evidence}))
        }).collect::<Vec<_>>(),
        "feedback": previous.feedback,
        "follow_up": previous.follow_up,
    })
}

/// What changed from `before` to `after`, one line per change; empty when the grade stands.
pub fn changes(before: &Grade, after: &Grade) -> Vec<String> {
    let mut out = Vec::new();
    if before.outcome != after.outcome {
        out.push(match after.outcome {
            Outcome::Graded => "The answer is now graded (before: not enough evidence).".into(),
            Outcome::InsufficientEvidence => {
                "The answer is now judged not enough evidence to grade.".into()
            }
        });
    }
    if before.score != after.score {
        out.push(format!("Score {} → {}.", before.score, after.score));
    }
    for (b, a) in before.key_points.iter().zip(&after.key_points) {
        if b.verdict != a.verdict {
            let quote = a
                .evidence
                .as_deref()
                .map_or(String::new(), |e| format!(", on \"{e}\""));
            out.push(format!(
                "Key point {}: {} → {}{quote} ({}).",
                a.id,
                verdict_word(b.verdict),
                verdict_word(a.verdict),
                a.point.trim_end_matches('.')
            ));
        }
    }
    for f in &before.red_flags {
        if !after.red_flags.iter().any(|g| g.flag == f.flag) {
            out.push(format!(
                "Red flag withdrawn: {}.",
                f.flag.trim_end_matches('.')
            ));
        }
    }
    for f in &after.red_flags {
        if !before.red_flags.iter().any(|g| g.flag == f.flag) {
            out.push(format!(
                "Red flag raised: {} (on \"{}\").",
                f.flag.trim_end_matches('.'),
                f.evidence
            ));
        }
    }
    for (b, a) in before.criteria.iter().zip(&after.criteria) {
        if b.level != a.level {
            out.push(format!("{}: {}/4 → {}/4.", a.name, b.level, a.level));
        }
    }
    out
}

fn verdict_word(v: super::Verdict) -> &'static str {
    match v {
        super::Verdict::Covered => "covered",
        super::Verdict::Partly => "partly",
        super::Verdict::Missed => "missed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::Bank;
    use crate::grade::Grader;
    use crate::grade::offline::OfflineGrader;
    use crate::rubric::Rubrics;

    #[test]
    fn changes_name_the_points_flags_and_score_that_moved() {
        let bank = Bank::load(None).unwrap();
        let q = bank
            .questions()
            .iter()
            .find(|q| q.topic == "concurrency")
            .unwrap();
        let rubrics = Rubrics::embedded();
        let before = OfflineGrader
            .grade(q, rubrics.for_kind(q.kind), "threads and locks, in short")
            .unwrap();
        let after = OfflineGrader
            .grade(q, rubrics.for_kind(q.kind), &q.model_answer)
            .unwrap();
        assert!(changes(&before, &before).is_empty(), "a grade that stands");
        let listed = changes(&before, &after);
        assert!(
            listed[0].starts_with("The answer is now graded") || listed[0].starts_with("Score "),
            "{listed:?}"
        );
        assert!(
            listed.iter().any(|l| l.starts_with("Key point ")),
            "{listed:?}"
        );
    }

    #[test]
    fn the_previous_verdict_uses_the_schema_ids() {
        let bank = Bank::load(None).unwrap();
        let q = &bank.questions()[0];
        let rubrics = Rubrics::embedded();
        let g = OfflineGrader
            .grade(q, rubrics.for_kind(q.kind), &q.model_answer)
            .unwrap();
        let v = previous_verdict(&g, q);
        assert_eq!(
            v["key_points"].as_array().unwrap().len(),
            q.what_they_test.len()
        );
        // Criteria as the schema asks for them: each id mapped to its level.
        for c in &g.criteria {
            assert_eq!(v["criteria"][&c.id], c.level, "{v}");
        }
    }
}
