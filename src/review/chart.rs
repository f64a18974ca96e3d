//! Scores drawn two ways: a Unicode sparkline for the terminal report, and an SVG chart for the
//! HTML export. Both use the absolute 0–100 scale, so two topics' lines can be compared.

use std::fmt::Write as _;

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Means of `values` over at most `width` consecutive, near-equal groups, in order.
fn buckets(values: &[f64], width: usize) -> Vec<f64> {
    if values.len() <= width {
        return values.to_vec();
    }
    (0..width)
        .map(|i| {
            let (start, end) = (i * values.len() / width, (i + 1) * values.len() / width);
            values[start..end].iter().sum::<f64>() / (end - start) as f64
        })
        .collect()
}

/// Scores (0–100) in time order as at most `width` bars; older on the left.
pub fn sparkline(scores: &[u8], width: usize) -> String {
    let values: Vec<f64> = scores.iter().map(|&s| f64::from(s)).collect();
    bars(&values, 100.0, width)
}

/// Values in time order as at most `width` bars, the full bar at `top`.
pub fn bars(values: &[f64], top: f64, width: usize) -> String {
    buckets(values, width)
        .iter()
        .map(|v| {
            let level = if top > 0.0 { v / top * 8.0 } else { 0.0 };
            BARS[(level.max(0.0) as usize).min(7)]
        })
        .collect()
}

/// An inline SVG of scores in time order: one dot per answer (up to 400, else group means) and
/// the moving mean of the last ten answers as a line. Contains no text from the user.
pub fn progress_svg(scores: &[u8]) -> String {
    const W: f64 = 720.0;
    const H: f64 = 240.0;
    const LEFT: f64 = 36.0;
    const BOTTOM: f64 = 24.0;
    let values: Vec<f64> = scores.iter().map(|&s| f64::from(s)).collect();
    let dots = buckets(&values, 400);
    let moving: Vec<f64> = (0..values.len())
        .map(|i| {
            let from = i.saturating_sub(9);
            values[from..=i].iter().sum::<f64>() / (i + 1 - from) as f64
        })
        .collect();
    let line = buckets(&moving, 400);
    let x = |i: usize, n: usize| {
        LEFT + 8.0
            + (W - LEFT - 16.0)
                * if n > 1 {
                    i as f64 / (n - 1) as f64
                } else {
                    0.5
                }
    };
    let y = |v: f64| 8.0 + (H - BOTTOM - 8.0) * (1.0 - v / 100.0);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="100%" role="img" aria-label="Scores over time">"#
    );
    for level in [0.0, 25.0, 50.0, 75.0, 100.0] {
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" x2="{W}" y1="{yy:.1}" y2="{yy:.1}" stroke="#ddd"/><text x="{tx}" y="{ty:.1}" font-size="11" text-anchor="end" fill="#666">{level}</text>"##,
            yy = y(level),
            tx = LEFT - 4.0,
            ty = y(level) + 4.0,
        );
    }
    for (i, v) in dots.iter().enumerate() {
        let _ = write!(
            svg,
            r##"<circle cx="{:.1}" cy="{:.1}" r="3" fill="#7aa6d8"/>"##,
            x(i, dots.len()),
            y(*v)
        );
    }
    if line.len() > 1 {
        let points: Vec<String> = line
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x(i, line.len()), y(*v)))
            .collect();
        let _ = write!(
            svg,
            r##"<polyline points="{}" fill="none" stroke="#1f4e8c" stroke-width="2"/>"##,
            points.join(" ")
        );
    }
    let _ = write!(
        svg,
        r##"<text x="{LEFT}" y="{}" font-size="11" fill="#666">older</text><text x="{W}" y="{}" font-size="11" text-anchor="end" fill="#666">newer · line: mean of the last 10</text></svg>"##,
        H - 6.0,
        H - 6.0
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sparkline_rises_with_the_scores_and_fits_its_width() {
        assert_eq!(sparkline(&[0, 30, 60, 100], 16), "▁▃▅█");
        let long: Vec<u8> = (0..=100).collect();
        let line = sparkline(&long, 10);
        assert_eq!(line.chars().count(), 10);
        assert!(line.starts_with('▁') && line.ends_with('█'), "{line}");
        assert_eq!(sparkline(&[], 10), "");
    }

    #[test]
    fn the_chart_has_a_dot_per_answer_and_a_trend_line() {
        let svg = progress_svg(&[20, 40, 60, 80]);
        assert_eq!(svg.matches("<circle").count(), 4);
        assert_eq!(svg.matches("<polyline").count(), 1);
        let many = progress_svg(&vec![50; 5000]);
        assert_eq!(many.matches("<circle").count(), 400, "grouped beyond 400");
    }
}
