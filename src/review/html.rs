//! Transcripts as one self-contained HTML page: inline CSS, an inline SVG chart of progress, no
//! script and no external asset, so it opens offline. Every piece of text that came from a user,
//! a bank file or a model goes through `escape`; a Content-Security-Policy that allows no script
//! at all is the second line of defence.

use std::fmt::Write as _;

use super::chart::progress_svg;
use super::transcript::{Transcript, TranscriptTurn};
use crate::clock::format_utc;
use crate::grade::Grade;
use crate::render::grade_text::{criteria, graded_by, headline};
use crate::render::plural;

/// Text safe in element content and in quoted attribute values, without control characters or
/// bidi overrides (which would show the text in an order other than the one it says).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in crate::term::clean(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.6rem}h2{font-size:1.3rem;margin-top:2.5rem;border-bottom:1px solid #ccc}
article{margin:1.5rem 0;padding:.5rem 1rem;border-left:4px solid #7aa6d8;background:#f7f9fc}
.follow-up{margin-left:2rem;border-left-color:#b9c9dd}
.meta{color:#666;font-size:.9rem}
pre.answer{white-space:pre-wrap;background:#fff;border:1px solid #ddd;padding:.5rem;font:14px/1.4 ui-monospace,monospace}
.score{font-weight:bold}.covered{color:#17692b}.partly{color:#8a6100}.missed{color:#a01c1c}.flag{color:#a01c1c}
ul.points{padding-left:1.2rem}q{font-style:italic}figure{margin:1rem 0}";

fn grade(out: &mut String, g: &Grade) {
    let _ = writeln!(
        out,
        r#"<p><span class="score">{}</span> <span class="meta">({})</span></p>"#,
        headline(g),
        graded_by(g, escape)
    );
    if !g.key_points.is_empty() || !g.red_flags.is_empty() {
        out.push_str("<ul class=\"points\">\n");
        for k in &g.key_points {
            let class = match k.verdict {
                crate::grade::Verdict::Covered => "covered",
                crate::grade::Verdict::Partly => "partly",
                crate::grade::Verdict::Missed => "missed",
            };
            let _ = write!(
                out,
                r#"<li class="{class}">{} {}"#,
                k.verdict.mark(),
                escape(&k.point)
            );
            if let Some(e) = &k.evidence {
                let _ = write!(out, " — <q>{}</q>", escape(e));
            }
            out.push_str("</li>\n");
        }
        for f in &g.red_flags {
            let _ = writeln!(
                out,
                r#"<li class="flag">⚠ red flag: {} — <q>{}</q></li>"#,
                escape(&f.flag),
                escape(&f.evidence)
            );
        }
        out.push_str("</ul>\n");
    }
    if !g.criteria.is_empty() {
        let _ = writeln!(out, r#"<p class="meta">{}</p>"#, criteria(g, escape));
    }
    if !g.feedback.trim().is_empty() {
        let _ = writeln!(out, "<p>{}</p>", escape(&g.feedback));
    }
    for n in &g.notes {
        let _ = writeln!(out, r#"<p class="meta">Note: {}</p>"#, escape(n));
    }
}

fn turn(out: &mut String, t: &TranscriptTurn, heading: &str, class: &str) {
    let r = t.record;
    let _ = writeln!(out, r#"<article class="{class}">"#);
    let _ = writeln!(out, "<h3>{heading}</h3>");
    let _ = writeln!(out, "<p><strong>Q:</strong> {}</p>", escape(&r.prompt));
    if r.skipped {
        out.push_str("<p class=\"meta\">Skipped.</p>\n</article>\n");
        return;
    }
    let _ = writeln!(
        out,
        r#"<pre class="answer">{}</pre>"#,
        escape(r.answer.trim_end())
    );
    if r.hints > 0 {
        let _ = writeln!(out, r#"<p class="meta">{} hint(s) used.</p>"#, r.hints);
    }
    match &r.grade {
        Some(g) => grade(out, g),
        None => out.push_str("<p class=\"meta\">Not graded yet.</p>\n"),
    }
    out.push_str("</article>\n");
}

/// Latest scores of the answered questions, in time order, for the chart.
fn scores(transcripts: &[Transcript]) -> Vec<u8> {
    let mut points: Vec<(i64, i64, u8)> = transcripts
        .iter()
        .flat_map(|t| &t.questions)
        .map(|q| q.turn.record)
        .filter(|r| !r.skipped)
        .filter_map(|r| Some((r.answered_at, r.id, r.grade.as_ref()?.score)))
        .collect();
    points.sort();
    points.into_iter().map(|(_, _, s)| s).collect()
}

pub fn page(transcripts: &[Transcript]) -> String {
    let mut out = String::new();
    let title = match transcripts {
        [one] => format!("viva · session {}", one.session.id),
        _ => format!("viva · {} sessions", transcripts.len()),
    };
    let _ = writeln!(
        out,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>{title}</h1>"#
    );
    let scores = scores(transcripts);
    if scores.is_empty() {
        out.push_str("<p class=\"meta\">No graded answers to chart.</p>\n");
    } else {
        let _ = writeln!(
            out,
            "<figure>{}<figcaption class=\"meta\">Latest scores of {}, oldest to newest (not enough evidence counts as 0).</figcaption></figure>",
            progress_svg(&scores),
            plural(scores.len(), "answer")
        );
    }
    for t in transcripts {
        let _ = writeln!(
            out,
            "<section>\n<h2>Session {} · {} UTC</h2>",
            t.session.id,
            format_utc(t.session.started_at)
        );
        let _ = writeln!(out, r#"<p class="meta">{}</p>"#, t.tally());
        for q in &t.questions {
            let r = q.turn.record;
            let heading = format!(
                "{}. {} · {} · {} · <code>{}</code>",
                q.number,
                escape(&r.topic),
                escape(&r.kind),
                escape(&r.difficulty),
                escape(&r.question_id)
            );
            turn(&mut out, &q.turn, &heading, "turn");
            for f in &q.follow_ups {
                turn(&mut out, f, "Follow-up", "turn follow-up");
            }
        }
        out.push_str("</section>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_leaves_no_markup() {
        assert_eq!(
            escape(r#""><img src=x onerror='alert(1)'>&"#),
            "&quot;&gt;&lt;img src=x onerror=&#39;alert(1)&#39;&gt;&amp;"
        );
    }
}
