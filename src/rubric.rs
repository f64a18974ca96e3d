//! Scoring rubrics, one per question kind: criteria with weights and level descriptors.
//! Shipped in `rubrics/` and overridable by `$VIVA_HOME/rubrics/<kind>.toml`.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::bank::Kind;
use crate::embedded;

/// What the offline grader measures for a criterion. The LLM grader reads the descriptions and
/// levels instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Measure {
    /// The question's key points (`what_they_test`).
    Coverage,
    /// Freedom from the question's red flags.
    Accuracy,
    /// The question's strong signals.
    Depth,
    /// Points explained in connected sentences rather than named.
    Clarity,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub id: String,
    pub name: String,
    pub weight: f64,
    pub measure: Measure,
    pub description: String,
    /// Descriptors for levels 0 to 4.
    pub levels: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Rubric {
    pub kind: Kind,
    pub version: u32,
    pub summary: String,
    #[serde(rename = "criterion")]
    pub criteria: Vec<Criterion>,
}

pub const LEVELS: usize = 5;

impl Rubric {
    pub fn parse(name: &str, text: &str) -> Result<Rubric> {
        let rubric: Rubric =
            toml::from_str(text).with_context(|| format!("{name}: invalid rubric"))?;
        if rubric.criteria.is_empty() {
            bail!("{name}: field `criterion`: a rubric needs at least one criterion");
        }
        for c in &rubric.criteria {
            if c.levels.len() != LEVELS {
                bail!(
                    "{name}: criterion {:?}: field `levels`: has {} descriptors; expected {LEVELS} (levels 0 to 4)",
                    c.id,
                    c.levels.len()
                );
            }
            if !(c.weight > 0.0 && c.weight <= 1.0) {
                bail!(
                    "{name}: criterion {:?}: field `weight`: must be in (0, 1]",
                    c.id
                );
            }
        }
        let total: f64 = rubric.criteria.iter().map(|c| c.weight).sum();
        if (total - 1.0).abs() > 1e-6 {
            bail!("{name}: field `weight`: the criteria weights add up to {total}, not 1");
        }
        Ok(rubric)
    }

    /// A short version string for grades, e.g. "concept@1".
    pub fn version_tag(&self) -> String {
        format!("{}@{}", self.kind, self.version)
    }
}

/// One rubric for every kind.
#[derive(Debug, Clone)]
pub struct Rubrics {
    by_kind: BTreeMap<Kind, Rubric>,
}

impl Rubrics {
    /// The embedded rubrics, each replaced by `<user_dir>/<kind>.toml` when that file exists.
    pub fn load(user_dir: Option<&Path>) -> Result<Rubrics> {
        let mut by_kind = BTreeMap::new();
        for (name, text) in embedded::RUBRICS {
            let r = Rubric::parse(name, text)?;
            by_kind.insert(r.kind, r);
        }
        if let Some(dir) = user_dir {
            for kind in Kind::ALL {
                let path = dir.join(format!("{kind}.toml"));
                if path.exists() {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    let r = Rubric::parse(&path.display().to_string(), &text)?;
                    if r.kind != kind {
                        bail!(
                            "{}: field `kind`: says {:?} but the file is for {kind}",
                            path.display(),
                            r.kind
                        );
                    }
                    by_kind.insert(kind, r);
                }
            }
        }
        for kind in Kind::ALL {
            if !by_kind.contains_key(&kind) {
                bail!("no rubric for question kind {kind}");
            }
        }
        Ok(Rubrics { by_kind })
    }

    pub fn embedded() -> Rubrics {
        Rubrics::load(None).expect("the shipped rubrics are valid (tested)")
    }

    pub fn for_kind(&self, kind: Kind) -> &Rubric {
        &self.by_kind[&kind]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped(kind: &str) -> &'static str {
        let name = format!("rubrics/{kind}.toml");
        embedded::RUBRICS
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap()
            .1
    }

    #[test]
    fn every_kind_has_a_valid_shipped_rubric() {
        let rubrics = Rubrics::load(None).unwrap();
        for kind in Kind::ALL {
            let r = rubrics.for_kind(kind);
            assert_eq!(r.kind, kind);
            // Every offline measure is used once, so each grader signal counts somewhere.
            for m in [
                Measure::Coverage,
                Measure::Accuracy,
                Measure::Depth,
                Measure::Clarity,
            ] {
                assert_eq!(
                    r.criteria.iter().filter(|c| c.measure == m).count(),
                    1,
                    "{kind} {m:?}"
                );
            }
        }
    }

    #[test]
    fn weights_must_add_up_to_one() {
        let text = shipped("concept").replace("weight = 0.55", "weight = 0.9");
        let err = Rubric::parse("x.toml", &text).unwrap_err().to_string();
        assert!(err.contains("add up to"), "{err}");
    }

    #[test]
    fn user_rubric_overrides_the_shipped_one() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("concept.toml"),
            shipped("concept").replace("version = 1", "version = 7"),
        )
        .unwrap();
        let rubrics = Rubrics::load(Some(dir.path())).unwrap();
        assert_eq!(rubrics.for_kind(Kind::Concept).version, 7);
        assert_eq!(rubrics.for_kind(Kind::Coding).version, 1);
    }
}
