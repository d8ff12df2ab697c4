//! The window requests a window manager makes for the user, sent straight to the X server.
//!
//! The window tests run under Xvfb, which has no window manager, so nothing there can click a
//! title bar's close button. [`Display::request_close`] sends the same `WM_DELETE_WINDOW`
//! message a window manager sends for that click, and [`Display::is_mapped`] returns whether a
//! window is on screen. libX11 is loaded at run time (x11-dl), as tao loads it for the app.

use std::ffi::{c_int, c_long, c_uchar, c_uint, c_ulong, CStr};
use std::path::Path;
use std::ptr;

use x11_dl::xlib;

/// An X11 window id.
pub type Window = c_ulong;

/// A connection to the X server that `$DISPLAY` names.
pub struct Display {
    xlib: xlib::Xlib,
    display: *mut xlib::Display,
}

impl Display {
    /// Connects to `$DISPLAY`, and panics when libX11 is missing or the server rejects the connection.
    pub fn open() -> Self {
        let xlib = xlib::Xlib::open().unwrap_or_else(|err| panic!("cannot load libX11: {err}"));
        // SAFETY: a null name makes XOpenDisplay read $DISPLAY. The result is checked below.
        let display = unsafe { (xlib.XOpenDisplay)(ptr::null()) };
        let name = std::env::var("DISPLAY").unwrap_or_default();
        assert!(!display.is_null(), "cannot connect to the X server at DISPLAY={name:?}");
        Display { xlib, display }
    }

    /// Returns the top-level windows with the title `title` that belong to a process in the
    /// process group `group`, so a test finds its own app's window and no other.
    pub fn windows_of_group(&self, group: u32, title: &str) -> Vec<Window> {
        self.top_level_windows()
            .into_iter()
            .filter(|&window| self.title(window).as_deref() == Some(title))
            .filter(|&window| {
                self.window_pid(window)
                    .is_some_and(|pid| process_group(pid) == Some(group))
            })
            .collect()
    }

    /// Returns whether the window is mapped and all its ancestors are, that is, on screen.
    pub fn is_mapped(&self, window: Window) -> bool {
        // SAFETY: XWindowAttributes is plain data, so all zeros is a valid value to overwrite.
        let mut attributes: xlib::XWindowAttributes = unsafe { std::mem::zeroed() };
        // SAFETY: the display is open and `attributes` outlives the call.
        let status = unsafe { (self.xlib.XGetWindowAttributes)(self.display, window, &mut attributes) };
        status != 0 && attributes.map_state == xlib::IsViewable
    }

    /// Sends `WM_DELETE_WINDOW`, the message a window manager sends when the user clicks the
    /// close button. The app handles it as a close request, as on a real desktop.
    pub fn request_close(&self, window: Window) {
        let protocols = self.atom(c"WM_PROTOCOLS");
        let delete_window = self.atom(c"WM_DELETE_WINDOW");
        let mut data = xlib::ClientMessageData::new();
        data.set_long(0, delete_window as c_long);
        data.set_long(1, xlib::CurrentTime as c_long);
        let message = xlib::XClientMessageEvent {
            type_: xlib::ClientMessage,
            serial: 0,
            send_event: xlib::True,
            display: self.display,
            window,
            message_type: protocols,
            format: 32,
            data,
        };
        let mut event = xlib::XEvent::from(message);
        // SAFETY: the display is open and `event` outlives the call. XSync makes sure the
        // server has the message before this returns.
        let sent = unsafe {
            let sent = (self.xlib.XSendEvent)(self.display, window, xlib::False, xlib::NoEventMask, &mut event);
            (self.xlib.XSync)(self.display, xlib::False);
            sent
        };
        assert!(sent != 0, "XSendEvent of WM_DELETE_WINDOW to window {window:#x} failed");
    }

    fn top_level_windows(&self) -> Vec<Window> {
        let mut root_out: Window = 0;
        let mut parent: Window = 0;
        let mut children: *mut Window = ptr::null_mut();
        let mut count: c_uint = 0;
        // SAFETY: the display is open and every out-pointer outlives the call.
        let status = unsafe {
            let root = (self.xlib.XDefaultRootWindow)(self.display);
            (self.xlib.XQueryTree)(
                self.display,
                root,
                &mut root_out,
                &mut parent,
                &mut children,
                &mut count,
            )
        };
        if status == 0 || children.is_null() {
            return Vec::new();
        }
        // SAFETY: XQueryTree returned `count` window ids at `children`, freed with XFree below.
        let windows = unsafe { std::slice::from_raw_parts(children, count as usize).to_vec() };
        // SAFETY: `children` came from Xlib and is freed once.
        unsafe { (self.xlib.XFree)(children.cast()) };
        windows
    }

    /// Returns `_NET_WM_NAME`, the UTF-8 title GTK sets.
    fn title(&self, window: Window) -> Option<String> {
        let utf8 = self.atom(c"UTF8_STRING");
        let bytes = self.property(window, self.atom(c"_NET_WM_NAME"), utf8)?;
        String::from_utf8(bytes).ok()
    }

    /// Returns `_NET_WM_PID`, the process that owns the window.
    pub fn window_pid(&self, window: Window) -> Option<u32> {
        let bytes = self.property(window, self.atom(c"_NET_WM_PID"), xlib::XA_CARDINAL)?;
        // Xlib returns 32-bit properties as C longs.
        let long: [u8; std::mem::size_of::<c_long>()] = bytes.get(..std::mem::size_of::<c_long>())?.try_into().ok()?;
        u32::try_from(c_long::from_ne_bytes(long)).ok()
    }

    /// Returns the raw bytes of a property, or `None` when the window does not have it.
    fn property(&self, window: Window, name: xlib::Atom, kind: xlib::Atom) -> Option<Vec<u8>> {
        let mut actual_type: xlib::Atom = 0;
        let mut actual_format: c_int = 0;
        let mut items: c_ulong = 0;
        let mut bytes_after: c_ulong = 0;
        let mut value: *mut c_uchar = ptr::null_mut();
        // SAFETY: the display is open and every out-pointer outlives the call. 1024 longs is
        // far more than a title or a pid needs.
        let status = unsafe {
            (self.xlib.XGetWindowProperty)(
                self.display,
                window,
                name,
                0,
                1024,
                xlib::False,
                kind,
                &mut actual_type,
                &mut actual_format,
                &mut items,
                &mut bytes_after,
                &mut value,
            )
        };
        if status != c_int::from(xlib::Success) || value.is_null() {
            return None;
        }

        // Format 32 items are stored as C longs, format 8 and 16 items at their own size.
        let item_size = match actual_format {
            8 => 1,
            16 => std::mem::size_of::<std::ffi::c_short>(),
            32 => std::mem::size_of::<c_long>(),
            _ => 0,
        };
        // SAFETY: Xlib returned `items` items of `item_size` bytes at `value`.
        let bytes = unsafe { std::slice::from_raw_parts(value, items as usize * item_size).to_vec() };
        // SAFETY: `value` came from Xlib and is freed once.
        unsafe { (self.xlib.XFree)(value.cast()) };

        (actual_type == kind && item_size > 0).then_some(bytes)
    }

    fn atom(&self, name: &CStr) -> xlib::Atom {
        // SAFETY: the display is open and `name` is a NUL-terminated string.
        unsafe { (self.xlib.XInternAtom)(self.display, name.as_ptr(), xlib::False) }
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        // SAFETY: the display was opened in `open` and is closed once.
        unsafe { (self.xlib.XCloseDisplay)(self.display) };
    }
}

/// Returns the process group of `pid` (the fifth field of /proc/PID/stat), or `None` once the
/// process is gone.
pub fn process_group(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(Path::new("/proc").join(pid.to_string()).join("stat")).ok()?;
    // The command name in brackets may contain spaces, so the fields start after its last ')'.
    let fields = stat.rsplit_once(')')?.1;
    fields.split_whitespace().nth(2)?.parse().ok()
}
