//! Single keys from the terminal while recording: Enter stops, Ctrl-C discards the take. The
//! terminal leaves canonical mode (keys arrive one at a time, unechoed) and stops turning Ctrl-C
//! into SIGINT, and is put back as it was when this is dropped, whatever happens in between.

use std::io;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Enter,
    Interrupt,
    /// Ctrl-D, or the terminal went away.
    End,
    Other,
}

fn key_of(byte: u8) -> Key {
    match byte {
        b'\r' | b'\n' => Key::Enter,
        3 => Key::Interrupt,
        4 => Key::End,
        _ => Key::Other,
    }
}

#[cfg(unix)]
pub struct Keys {
    saved: libc::termios,
}

#[cfg(unix)]
impl Keys {
    /// Takes the keys of the terminal on standard input.
    pub fn take() -> io::Result<Keys> {
        // SAFETY: termios calls on fd 0 with a zeroed struct they fill in.
        unsafe {
            let mut saved: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(0, &mut saved) != 0 {
                return Err(io::Error::last_os_error());
            }
            let mut raw = saved;
            raw.c_lflag &= !(libc::ICANON | libc::ECHO | libc::ISIG);
            raw.c_cc[libc::VMIN] = 1;
            raw.c_cc[libc::VTIME] = 0;
            if libc::tcsetattr(0, libc::TCSANOW, &raw) != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(Keys { saved })
        }
    }

    /// The next key, or None when none came within `wait`.
    pub fn next(&mut self, wait: Duration) -> io::Result<Option<Key>> {
        let mut fd = libc::pollfd {
            fd: 0,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: poll on one valid pollfd; read into a one-byte buffer we own.
        unsafe {
            let ready = libc::poll(&mut fd, 1, wait.as_millis() as libc::c_int);
            if ready < 0 {
                let e = io::Error::last_os_error();
                return if e.kind() == io::ErrorKind::Interrupted {
                    Ok(None)
                } else {
                    Err(e)
                };
            }
            if ready == 0 {
                return Ok(None);
            }
            let mut byte = 0u8;
            match libc::read(0, (&mut byte as *mut u8).cast(), 1) {
                1 => Ok(Some(key_of(byte))),
                0 => Ok(Some(Key::End)),
                _ => Err(io::Error::last_os_error()),
            }
        }
    }
}

#[cfg(unix)]
impl Drop for Keys {
    fn drop(&mut self) {
        // SAFETY: restores the settings read in `take`.
        unsafe {
            libc::tcsetattr(0, libc::TCSANOW, &self.saved);
        }
    }
}

#[cfg(not(unix))]
pub struct Keys;

#[cfg(not(unix))]
impl Keys {
    pub fn take() -> io::Result<Keys> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "recording from the terminal needs a Unix terminal",
        ))
    }

    pub fn next(&mut self, _wait: Duration) -> io::Result<Option<Key>> {
        Ok(Some(Key::End))
    }
}
