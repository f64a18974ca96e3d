use std::time::Instant;
use viva::bank::Bank;
use viva::bank::import::{Guide, extract, import};
fn main() {
    let f = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(&f).unwrap();
    let bank = Bank::load(None).unwrap();
    for _ in 0..5 {
        let t = Instant::now();
        let ex = extract(&text);
        let t1 = t.elapsed();
        let r = import(
            &[Guide {
                file: f.clone(),
                text: text.clone(),
            }],
            &bank,
        );
        println!(
            "extract {:?} import {:?} ({} q)",
            t1,
            t.elapsed() - t1,
            r.questions.len()
        );
        std::hint::black_box(ex);
    }
}
