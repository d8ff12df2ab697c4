//! Terminal commands. Each one forwards to the `homeport-api` function of the same name.
//! Input is never logged, since a terminal is where people type passwords.

use homeport_api::{Api, IpcError, TerminalEvent, TerminalId, TerminalTarget};
use tauri::ipc::Channel;
use tauri::State;

type CommandResult<T> = Result<T, IpcError>;

/// Output arrives on `on_event` as JSON messages with base64 bytes. `TerminalEvent` explains
/// the choice.
#[tauri::command]
pub async fn terminal_open(
    api: State<'_, Api>,
    host_id: String,
    target: TerminalTarget,
    cols: u16,
    rows: u16,
    on_event: Channel<TerminalEvent>,
) -> CommandResult<TerminalId> {
    let sink = Box::new(move |event| on_event.send(event).is_ok());
    api.terminal_open(&host_id, target, cols, rows, sink).await
}

/// `data` is a JSON array of byte values. Keystrokes are a few bytes, where an array costs no
/// more than base64, and the UI splits pastes into pieces.
#[tauri::command]
pub async fn terminal_write(api: State<'_, Api>, id: TerminalId, data: Vec<u8>) -> CommandResult<()> {
    api.terminal_write(id, data).await
}

#[tauri::command]
pub async fn terminal_resize(api: State<'_, Api>, id: TerminalId, cols: u16, rows: u16) -> CommandResult<()> {
    api.terminal_resize(id, cols, rows).await
}

#[tauri::command]
pub fn terminal_close(api: State<'_, Api>, id: TerminalId) {
    api.terminal_close(id);
}
