import { Dialog } from '../../components/ui';

const SHORTCUTS: readonly [string, string][] = [
  ['/', 'Search bookings and people'],
  ['?', 'Show these shortcuts'],
  ['j / k', 'Next / previous booking in a queue'],
  ['Enter', 'Open the selected booking'],
  ['Tab', 'Move through rows, links and buttons'],
  ['↓ / ↑ in search', 'Choose a suggestion'],
  ['Esc', 'Close a dialog or the suggestions'],
];

/** What `?` opens: every keyboard shortcut of the console. */
export function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  return (
    <Dialog title="Keyboard shortcuts" onClose={onClose}>
      <table className="data shortcuts" data-testid="shortcuts">
        <tbody>
          {SHORTCUTS.map(([keys, what]) => (
            <tr key={keys}>
              <td>
                <kbd>{keys}</kbd>
              </td>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="dialog-actions">
        <button type="button" className="button primary" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
