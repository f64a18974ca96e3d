//! The `delivery` table: how each spoken answer was said, and its trend over sessions.

use anyhow::{Context, Result};
use rusqlite::named_params;
use serde::Serialize;

use super::Store;
use crate::delivery::{self, Delivery, TrendPoint};

/// Delivery summed over one session's answers, for the trend in `viva report`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionDelivery {
    pub session_id: i64,
    pub started_at: i64,
    pub answers: i64,
    pub words: i64,
    pub fillers_per_100: f64,
    pub hedges_per_100: f64,
    pub restarts: i64,
    /// Mean over the spoken answers (a typed answer has no pace).
    pub mean_wpm: Option<f64>,
}

impl Store {
    pub fn insert_delivery(&self, turn_id: i64, d: &Delivery) -> Result<()> {
        self.conn.execute(
            "INSERT INTO delivery (turn_id, words, fillers, fillers_per_100, hedges, restarts, wpm, metrics)
             VALUES (:turn_id, :words, :fillers, :fillers_per_100, :hedges, :restarts, :wpm, :metrics)",
            named_params! {
                ":turn_id": turn_id,
                ":words": d.words,
                ":fillers": d.fillers,
                ":fillers_per_100": d.fillers_per_100,
                ":hedges": d.hedges,
                ":restarts": d.restarts,
                ":wpm": d.wpm(),
                ":metrics": serde_json::to_string(d)?,
            },
        )?;
        Ok(())
    }

    /// Delivery per session over time, oldest first; sessions without answers are left out.
    /// This is the trend `viva report` shows next to the scores.
    pub fn delivery_trend(&self) -> Result<Vec<TrendPoint>> {
        let mut stmt = self.conn.prepare(
            "SELECT s.id, s.started_at, d.metrics FROM sessions s
             JOIN turns t ON t.session_id = s.id JOIN delivery d ON d.turn_id = t.id
             ORDER BY s.started_at, s.id, t.seq, t.id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut sessions: Vec<(i64, i64, Vec<Delivery>)> = Vec::new();
        for row in rows {
            let (id, started_at, json) = row?;
            let d: Delivery = serde_json::from_str(&json)
                .with_context(|| format!("stored delivery of session {id} is unreadable"))?;
            match sessions.last_mut() {
                Some((last, _, ds)) if *last == id => ds.push(d),
                _ => sessions.push((id, started_at, vec![d])),
            }
        }
        Ok(sessions
            .into_iter()
            .filter_map(|(session_id, started_at, ds)| {
                delivery::summarize(&ds).map(|delivery| TrendPoint {
                    session_id,
                    started_at,
                    delivery,
                })
            })
            .collect())
    }

    /// Delivery per session for the latest `sessions` sessions with measured answers, oldest
    /// first. Summed from the numeric columns in SQL rather than from the metrics JSON, and only
    /// over those sessions' turns, so the report stays fast on a long history.
    pub fn delivery_by_session(&self, sessions: usize) -> Result<Vec<SessionDelivery>> {
        let mut stmt = self.conn.prepare(
            "SELECT s.id, s.started_at, COUNT(*), SUM(d.words), SUM(d.fillers), SUM(d.hedges),
                    SUM(d.restarts), AVG(d.wpm)
             FROM sessions s JOIN turns t ON t.session_id = s.id JOIN delivery d ON d.turn_id = t.id
             WHERE s.id IN (
                 SELECT id FROM sessions s2
                 WHERE EXISTS (SELECT 1 FROM turns t2 JOIN delivery d2 ON d2.turn_id = t2.id
                               WHERE t2.session_id = s2.id)
                 ORDER BY started_at DESC, id DESC LIMIT :sessions)
             GROUP BY s.id ORDER BY s.started_at, s.id",
        )?;
        let rows = stmt.query_map(named_params! { ":sessions": sessions as i64 }, |r| {
            let words: i64 = r.get(3)?;
            let per_100 = |n: i64| {
                if words > 0 {
                    n as f64 * 100.0 / words as f64
                } else {
                    0.0
                }
            };
            Ok(SessionDelivery {
                session_id: r.get(0)?,
                started_at: r.get(1)?,
                answers: r.get(2)?,
                words,
                fillers_per_100: per_100(r.get(4)?),
                hedges_per_100: per_100(r.get(5)?),
                restarts: r.get(6)?,
                mean_wpm: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fixtures::turn;

    #[test]
    fn delivery_is_kept_per_turn_and_summarised_per_session() {
        let store = Store::open_in_memory().unwrap();
        let target = delivery::QUESTION_TARGET;
        for (started, answer) in [
            (10, "um, the GIL is, uh, a lock"),
            (20, "the GIL is a lock"),
        ] {
            let s = store
                .start_session(started, &serde_json::json!({}))
                .unwrap();
            let t = store.insert_turn(&turn(s, 1, answer)).unwrap();
            store
                .insert_delivery(t, &delivery::measure(answer, 30_000, target))
                .unwrap();
        }
        let turns = store.session_turns(1).unwrap();
        assert_eq!(turns[0].delivery.as_ref().unwrap().fillers, 2);
        let trend = store.delivery_trend().unwrap();
        assert_eq!(
            trend.iter().map(|p| p.session_id).collect::<Vec<_>>(),
            [1, 2]
        );
        assert!(trend[0].delivery.fillers_per_100 > 0.0);
        assert_eq!(trend[1].delivery.fillers_per_100, 0.0);
    }
}
