//! Transcripts for the terminal (`viva review show`): grades and delivery as the session showed
//! them, each follow-up indented under the question it followed.

use std::fmt::Write as _;

use super::transcript::{Transcript, TranscriptTurn};
use crate::clock::format_utc;
use crate::delivery::clock;
use crate::render::{self, delivery, plural, shorten};
use crate::store::{DisputeStatus, RecordingStatus};

pub fn transcript(t: &Transcript) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Session {} · started {} UTC",
        t.session.id,
        format_utc(t.session.started_at)
    );
    let _ = writeln!(out, "Scores: {}", render::scores_line(&t.session.scores));
    for q in &t.questions {
        let r = q.turn.record;
        let _ = writeln!(
            out,
            "\n{}. [{} · {} · {}] {}",
            q.number, r.topic, r.kind, r.difficulty, r.question_id
        );
        out.push_str(&turn(&q.turn));
        for f in &q.follow_ups {
            let block = format!("Follow-up:\n{}", turn(f));
            for line in block.lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
        if let Some(d) = &r.delivery {
            out.push_str(&delivery::block(d));
        }
    }
    out
}

/// Question, answer and grade of one turn.
fn turn(t: &TranscriptTurn) -> String {
    let r = t.record;
    let mut out = String::new();
    let _ = writeln!(out, "Q: {}", r.prompt);
    if r.skipped {
        let _ = writeln!(out, "(skipped)");
        return out;
    }
    match &r.recording {
        Some(rec) if rec.status == RecordingStatus::Pending => {
            let _ = writeln!(
                out,
                "A: (spoken answer, not transcribed yet: viva regrade --ungraded transcribes and grades it)"
            );
        }
        _ => {
            let _ = writeln!(out, "A: {}", r.answer.trim());
        }
    }
    if let Some(rec) = &r.recording {
        let audio = rec
            .audio_path
            .as_deref()
            .map_or("not kept".to_string(), String::from);
        let _ = writeln!(
            out,
            "(spoken answer, {}; audio: {audio})",
            clock(rec.audio_ms as f64 / 1000.0)
        );
    }
    if r.hints > 0 {
        let _ = writeln!(out, "({} used)", plural(r.hints, "hint"));
    }
    match &r.grade {
        Some(g) => out.push_str(&render::grade(g)),
        None => out.push_str("(not graded yet)\n"),
    }
    for d in &r.disputes {
        let status = match d.status {
            DisputeStatus::Regraded => "re-graded",
            DisputeStatus::Pending => "flagged for re-grading",
        };
        let _ = writeln!(
            out,
            "Disputed ({status}): \"{}\"",
            shorten(&d.objection, 200)
        );
    }
    out
}
