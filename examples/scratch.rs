fn main() {
    let f = std::env::args().nth(1).unwrap();
    let from: usize = std::env::args().nth(2).unwrap().parse().unwrap();
    let to: usize = std::env::args().nth(3).unwrap().parse().unwrap();
    let text = std::fs::read_to_string(f).unwrap();
    for (i, l) in text.lines().enumerate().skip(from - 1).take(to - from + 1) {
        println!("{} {}", i + 1, viva::bank::import::debug_line(l));
    }
}
