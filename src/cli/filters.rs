//! Filter values from the command line (`--topic`, `--kind`, `--difficulty`, `--company`),
//! turned into the bank's own names by the one rule of `crate::names`: any case matches, and an
//! unknown value exits 2 with the known values, the same in every command.

use anyhow::Result;

use crate::bank::{Bank, Difficulty, Kind};
use crate::names;
use crate::select::Filters;

/// A `--topic` value as the bank's topic id.
pub(super) fn topic(bank: &Bank, typed: &str) -> Result<String> {
    let known: Vec<&str> = bank.topics().iter().map(|t| t.id.as_str()).collect();
    Ok(names::resolve("--topic", "topic", typed, &known)?.to_string())
}

fn topics(bank: &Bank, typed: &[String]) -> Result<Vec<String>> {
    typed.iter().map(|t| topic(bank, t)).collect()
}

pub(super) fn difficulty(typed: Option<&str>) -> Result<Option<Difficulty>> {
    let known = Difficulty::ALL.map(Difficulty::as_str);
    typed
        .map(|d| {
            let name = names::resolve("--difficulty", "difficulty", d, &known)?;
            Ok(Difficulty::parse(name).expect("a known difficulty parses"))
        })
        .transpose()
}

pub(super) fn kind(typed: Option<&str>) -> Result<Option<Kind>> {
    let known = Kind::ALL.map(Kind::as_str);
    typed
        .map(|k| {
            let name = names::resolve("--kind", "kind", k, &known)?;
            Ok(Kind::parse(name).expect("a known kind parses"))
        })
        .transpose()
}

/// `--company` as the bank spells it; the bank's spellings are told apart only by case.
pub(super) fn company(bank: &Bank, typed: Option<&str>) -> Result<Option<String>> {
    let mut known: Vec<&str> = bank
        .questions()
        .iter()
        .flat_map(|q| q.companies.iter().map(String::as_str))
        .collect();
    known.sort_by_key(|k| k.to_lowercase());
    known.dedup_by(|a, b| names::same(a, b));
    typed
        .map(|c| Ok(names::resolve("--company", "company", c, &known)?.to_string()))
        .transpose()
}

/// The practice and `bank list` filters, each value checked against the bank.
pub(super) fn resolve(
    bank: &Bank,
    topics_typed: &[String],
    difficulty_typed: Option<&str>,
    company_typed: Option<&str>,
) -> Result<Filters> {
    Ok(Filters {
        topics: topics(bank, topics_typed)?,
        difficulty: difficulty(difficulty_typed)?,
        company: company(bank, company_typed)?,
    })
}
