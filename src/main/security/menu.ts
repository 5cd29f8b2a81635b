/**
 * The application menu of a packaged build, as plain data so it is
 * unit-tested without Electron. Electron's default menu has View → Toggle
 * Developer Tools (and Ctrl/Cmd+Shift+I); a packaged Parley replaces it with
 * this one, which has no entry that opens, reloads or inspects the page.
 */

/** A menu entry: a role Electron fills in, or a submenu of entries. */
export interface MenuEntry {
  readonly role?: PackagedMenuRole;
  readonly label?: string;
  readonly submenu?: readonly MenuEntry[];
}

/**
 * The roles a packaged menu may use. Each expands, in Electron, to items that
 * only edit text, manage the window or quit; none opens DevTools.
 */
export type PackagedMenuRole = 'appMenu' | 'editMenu' | 'windowMenu' | 'quit';

/**
 * Roles that open DevTools, directly or through the submenu Electron expands
 * them to (View holds Toggle Developer Tools). None may appear in a packaged
 * menu.
 */
export const FORBIDDEN_MENU_ROLES: readonly string[] = ['toggleDevTools', 'viewMenu'];

/** Any menu-shaped data, for checking templates other than Parley's own. */
export interface MenuShape {
  readonly role?: string;
  readonly submenu?: readonly MenuShape[];
}

/**
 * The packaged app's menu for `platform` (`process.platform`). macOS needs
 * the app menu (About, Hide, Quit) and the Edit menu for Cmd+C/V/X/A to work
 * at all; elsewhere the menu bar is hidden and holds Edit and Window only.
 */
export function packagedMenuTemplate(platform: string): readonly MenuEntry[] {
  const common: MenuEntry[] = [{ role: 'editMenu' }, { role: 'windowMenu' }];
  return platform === 'darwin' ? [{ role: 'appMenu' }, ...common] : [{ label: 'File', submenu: [{ role: 'quit' }] }, ...common];
}

/** Every role in `entries`, submenus included, that is in {@link FORBIDDEN_MENU_ROLES}. */
export function forbiddenMenuRoles(entries: readonly MenuShape[]): string[] {
  const found: string[] = [];
  for (const entry of entries) {
    if (entry.role !== undefined && FORBIDDEN_MENU_ROLES.includes(entry.role)) found.push(entry.role);
    if (entry.submenu) found.push(...forbiddenMenuRoles(entry.submenu));
  }
  return found;
}
