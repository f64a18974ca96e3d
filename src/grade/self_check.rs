//! The candidate's own check of an offline grade: they say which key points they made, and
//! that becomes a grade of its own (grader "self"), stored beside viva's. The offline grader
//! reads words, not meaning, so the candidate is the better judge of what they said; viva's
//! grade is kept to show both.

use super::{Grade, KeyPointVerdict, Verdict, offline};
use crate::rubric::{Measure, Rubric};

/// The grader name of a self-checked grade.
pub const NAME: &str = "self";

impl Grade {
    /// The grade the candidate gives themselves after reading `viva`'s: the points numbered in
    /// `made` (1-based, as listed) are covered, every other point missed. The quotes viva found
    /// stay as evidence; red flags stay, because the candidate checks points, not
    /// misconceptions, and so does the depth viva measured against `rubric`. The score follows
    /// the offline grader's formula, so confirming viva's marks gives viva's score.
    pub fn self_checked(viva: &Grade, made: &[usize], rubric: &Rubric) -> Grade {
        let key_points: Vec<KeyPointVerdict> = viva
            .key_points
            .iter()
            .map(|k| {
                let verdict = if made.contains(&k.id) {
                    Verdict::Covered
                } else {
                    Verdict::Missed
                };
                KeyPointVerdict {
                    verdict,
                    evidence: k.evidence.clone().filter(|_| verdict == Verdict::Covered),
                    ..k.clone()
                }
            })
            .collect();
        let n = key_points.len().max(1) as f64;
        let coverage = key_points.iter().map(|k| k.verdict.credit()).sum::<f64>() / n;
        let depth = viva
            .criteria
            .iter()
            .find(|c| {
                rubric
                    .criteria
                    .iter()
                    .any(|rc| rc.id == c.id && rc.measure == Measure::Depth)
            })
            .map(|c| f64::from(c.level) / 4.0);
        let measured = offline::measured(coverage, depth);
        Grade {
            score: offline::score(measured, viva.red_flags.len(), false, false),
            outcome: viva.outcome,
            key_points,
            red_flags: viva.red_flags.clone(),
            feedback: viva.feedback.clone(),
            follow_up: viva.follow_up.clone(),
            notes: vec!["checked by you".to_string()],
            ..Grade::blank(NAME, viva.rubric_version.clone())
        }
    }

    pub fn is_self_checked(&self) -> bool {
        self.grader == NAME
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::{Outcome, RedFlagHit};

    fn rubric() -> Rubric {
        crate::rubric::Rubrics::embedded()
            .for_kind(crate::bank::Kind::Concept)
            .clone()
    }

    fn viva() -> Grade {
        let point = |id, verdict, evidence: Option<&str>| KeyPointVerdict {
            id,
            point: format!("point {id}"),
            verdict,
            evidence: evidence.map(str::to_string),
        };
        Grade {
            score: 40,
            key_points: vec![
                point(1, Verdict::Covered, Some("one")),
                point(2, Verdict::Partly, Some("two")),
                point(3, Verdict::Missed, None),
                point(4, Verdict::Missed, None),
            ],
            ..Grade::bare(40, Outcome::Graded)
        }
    }

    #[test]
    fn the_points_named_are_covered_and_the_rest_missed() {
        let g = Grade::self_checked(&viva(), &[2, 3], &rubric());
        let verdicts: Vec<Verdict> = g.key_points.iter().map(|k| k.verdict).collect();
        use Verdict::*;
        assert_eq!(verdicts, [Missed, Covered, Covered, Missed]);
        let evidence: Vec<Option<&str>> =
            g.key_points.iter().map(|k| k.evidence.as_deref()).collect();
        assert_eq!(evidence, [None, Some("two"), None, None]);
        assert_eq!(g.grader, NAME);
        assert!(!g.approximate);
        assert_eq!(g.notes, ["checked by you"]);
        // viva measured no depth here, so only the key points count.
        assert_eq!(
            g.score,
            offline::score(offline::measured(0.5, None), 0, false, false)
        );
    }

    #[test]
    fn red_flags_stay_and_cap_the_score() {
        let mut v = viva();
        v.red_flags.push(RedFlagHit {
            flag: "threads run in parallel".into(),
            evidence: "they run in parallel".into(),
        });
        let g = Grade::self_checked(&v, &[1, 2, 3, 4], &rubric());
        assert_eq!(g.red_flags, v.red_flags);
        assert_eq!(g.score, offline::score(1.0, 1, false, false));
        assert!(g.score < Grade::self_checked(&viva(), &[1, 2, 3, 4], &rubric()).score);
    }
}
