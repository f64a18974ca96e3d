//! Layout: a plain page of questions, each a line of its own followed by its answer, with
//! blank lines between. The questions are the runs of such pairs; a lone pair is page chrome
//! (a call to action such as "Ready to ace your interview?" above a sign-up pitch), and so are
//! headings, buttons and promotional lists around the runs.

use super::repair::Line;
use super::text::{heading_like, is_blank, is_chrome, question_like, strip_markup, summary};
use super::{Claims, Extracted, Layout, TitleSource};

/// Fewer pairs in a row than this are not a page of questions.
const MIN_RUN: usize = 3;

/// Lines between blank lines.
#[derive(Debug, Clone)]
struct Unit {
    from: usize,
    to: usize,
}

fn units(lines: &[Line]) -> Vec<Unit> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if is_blank(&lines[i].text) {
            i += 1;
            continue;
        }
        let from = i;
        while i < lines.len() && !is_blank(&lines[i].text) {
            i += 1;
        }
        out.push(Unit { from, to: i });
    }
    out
}

/// A question on a line of its own.
fn is_question(lines: &[Line], u: &Unit) -> bool {
    let text = &lines[u.from].text;
    u.to - u.from == 1 && !is_chrome(text) && question_like(strip_number(text))
}

/// Text that answers: sentences, not a heading, a button or another question.
fn is_answer(lines: &[Line], u: &Unit) -> bool {
    let text = lines[u.from].text.trim();
    let words = text.split_whitespace().count();
    let single = u.to - u.from == 1;
    let asks_or_heads = single && (question_like(text) || heading_like(text));
    !is_chrome(text) && !asks_or_heads && (words >= 6 || text.ends_with('.'))
}

/// `Q3.`, `Q:`, `12.` before a question.
fn strip_number(text: &str) -> &str {
    let t = strip_markup(text);
    let rest = t.strip_prefix(['Q', 'q']).unwrap_or(t);
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let rest = &rest[digits..];
    match rest.strip_prefix(['.', ':', ')']) {
        Some(r) if digits > 0 || rest.len() < t.len() => r.trim(),
        _ => t,
    }
}

pub fn parse(lines: &[Line], claims: &mut Claims) -> Vec<Extracted> {
    let units = units(lines);
    // Pairs: (question unit, last answer unit).
    let mut runs: Vec<Vec<(usize, usize)>> = Vec::new();
    let mut k = 0;
    let mut run: Vec<(usize, usize)> = Vec::new();
    while k < units.len() {
        let pairs_here =
            is_question(lines, &units[k]) && units.get(k + 1).is_some_and(|u| is_answer(lines, u));
        if !pairs_here {
            runs.push(std::mem::take(&mut run));
            k += 1;
            continue;
        }
        // The answer continues over further units of text until the next question.
        let mut last = k + 1;
        while units
            .get(last + 1)
            .is_some_and(|u| is_answer(lines, u) && !is_question(lines, u))
        {
            last += 1;
        }
        run.push((k, last));
        k = last + 1;
    }
    runs.push(run);

    let mut out = Vec::new();
    for run in runs.into_iter().filter(|r| r.len() >= MIN_RUN) {
        for (q, last) in run {
            let (qu, lu) = (&units[q], &units[last]);
            claims.claim(qu.from..lu.to);
            let answer = summary(
                lines[units[q + 1].from..lu.to]
                    .iter()
                    .map(|l| l.text.as_str()),
                700,
            );
            out.push(Extracted {
                title: strip_number(&lines[qu.from].text).to_string(),
                title_source: TitleSource::Heading,
                difficulty: None,
                tags: Vec::new(),
                companies: Vec::new(),
                section: None,
                insight: Default::default(),
                answer,
                layout: Layout::QuestionAnswer,
                line: lines[qu.from].no,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_pairs_are_questions_and_chrome_is_not() {
        let page = "Back\n\nWhat is a container image?\n\nA read-only template of layers.\n\n\
            Explain the difference between a pod and a node.\n\nA pod runs on a node.\n\n\
            Q3. How do liveness probes differ from readiness probes?\n\nOne restarts, one routes.\n\n\
            More reading\n\nReady to ace your DevOps interview?\n\nJoin our course and practise every day.\n\n\
            Learn More\n";
        let ls = Line::numbered(page);
        let mut claims = Claims::new(ls.len());
        let qs = parse(&ls, &mut claims);
        let titles: Vec<&str> = qs.iter().map(|q| q.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "What is a container image?",
                "Explain the difference between a pod and a node.",
                "How do liveness probes differ from readiness probes?"
            ]
        );
        assert_eq!(qs[1].line, 7);
        assert_eq!(qs[0].answer, "A read-only template of layers.");
    }
}
