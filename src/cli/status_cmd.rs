//! `viva status`: the learner model rebuilt from the store, per topic, with the reviews due.

use std::io::Write;

use anyhow::Result;

use crate::bank::Bank;
use crate::clock::now_ms;
use crate::learner::{Params, snapshot};
use crate::render;
use crate::select::History;
use crate::store::Store;

pub fn run(bank: &Bank, store: &Store, json: bool, out: &mut dyn Write) -> Result<()> {
    let topics = bank.topics().iter().map(|t| t.id.clone()).collect();
    let learner = snapshot::load(store, topics, Params::default())?;
    let now = now_ms();
    let status = History::new(learner, Vec::new(), now).status(now);
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&status)?)?;
    } else {
        write!(out, "{}", render::status(&status, now))?;
    }
    Ok(())
}
