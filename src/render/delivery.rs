//! Delivery as the candidate reads it: after an answer, in the debrief, and as a trend.

use std::fmt::Write as _;

use super::plural;
use crate::clock::format_utc;
use crate::delivery::{
    Delivery, DeliverySummary, PAUSE_SECS, Speech, TrendPoint, clock, phrase_list,
};
use crate::term::clean;
use crate::term::{DIM, TITLE, paint};

/// The delivery of one answer: the measures on one line, then what to work on.
pub fn block(d: &Delivery) -> String {
    let mut out = String::new();
    if d.words == 0 {
        return out;
    }
    let fillers = if d.fillers == 0 {
        "no fillers".to_string()
    } else {
        format!(
            "{} ({}), {:.1} per 100 words",
            plural(d.fillers, "filler"),
            phrase_list(&d.filler_phrases),
            d.fillers_per_100
        )
    };
    // A spoken answer's length is its measured speaking time; a typed one's is an estimate.
    let length = match &d.speech {
        Some(_) => format!("{} speaking", clock(d.spoken_secs)),
        None => format!("about {} spoken", clock(d.spoken_secs)),
    };
    let _ = writeln!(
        out,
        "{} {} words, {length} (target {}–{} min) · {fillers} · {} · {} · {}",
        paint(TITLE, "Delivery:"),
        d.words,
        d.target.min_secs as f64 / 60.0,
        d.target.max_secs as f64 / 60.0,
        plural(d.hedges, "hedge"),
        plural(d.restarts, "restart"),
        d.pace()
    );
    if let Some(s) = &d.speech {
        let _ = writeln!(out, "  {}", pauses(s));
    }
    for n in &d.notes {
        let _ = writeln!(out, "  · {n}");
    }
    out
}

/// "2 pauses over 2 s: 3.0 s at 0:11 after "lock" (the longest), 2.5 s at 0:29".
pub fn pauses(s: &Speech) -> String {
    if s.pauses.is_empty() {
        return format!("no pause over {PAUSE_SECS:.0} s");
    }
    let longest = s.longest_pause().map(|p| p.at_secs);
    let each: Vec<String> = s
        .pauses
        .iter()
        .map(|p| {
            let after = p
                .after_word
                .as_ref()
                .map_or(String::new(), |w| format!(" after \"{}\"", clean(w)));
            let mark = if longest == Some(p.at_secs) && s.pauses.len() > 1 {
                " (the longest)"
            } else {
                ""
            };
            format!("{:.1} s at {}{after}{mark}", p.secs, clock(p.at_secs))
        })
        .collect();
    format!(
        "{} over {PAUSE_SECS:.0} s: {}",
        plural(s.pauses.len() as u32, "pause"),
        each.join(", ")
    )
}

/// Delivery over a session, on one line.
pub fn summary_line(s: &DeliverySummary) -> String {
    let fillers = if s.top_fillers.is_empty() {
        String::new()
    } else {
        format!(" ({})", phrase_list(&s.top_fillers))
    };
    let pace = s
        .mean_wpm
        .map_or(String::new(), |w| format!(" · {w:.0} wpm spoken"));
    format!(
        "{} {:.1} fillers per 100 words{fillers} · {:.1} hedges per 100 · {} · {} of {} answers in the target length{pace}",
        paint(TITLE, "Delivery:"),
        s.fillers_per_100,
        s.hedges_per_100,
        plural(s.restarts, "restart"),
        s.in_band,
        s.answers
    )
}

/// Delivery per session, oldest first: the trend `viva report` shows.
pub fn trend(points: &[TrendPoint]) -> String {
    let mut out = String::new();
    if points.is_empty() {
        out.push_str("No answers yet, so no delivery trend.\n");
        return out;
    }
    let _ = writeln!(
        out,
        "{}",
        paint(
            DIM,
            &format!(
                "{:>5}  {:<16}  {:>7}  {:>9}  {:>7}  {:>8}  {:>5}",
                "id", "started (UTC)", "answers", "fillers%", "hedges%", "restarts", "wpm"
            )
        )
    );
    for p in points {
        let d = &p.delivery;
        let wpm = d.mean_wpm.map_or("-".to_string(), |w| format!("{w:.0}"));
        let _ = writeln!(
            out,
            "{:>5}  {:<16}  {:>7}  {:>9.1}  {:>7.1}  {:>8}  {:>5}",
            p.session_id,
            format_utc(p.started_at),
            d.answers,
            d.fillers_per_100,
            d.hedges_per_100,
            d.restarts,
            wpm
        );
    }
    out
}
