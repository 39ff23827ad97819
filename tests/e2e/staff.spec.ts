import { expect, test } from '@playwright/test';
import { ADMIN } from './global-setup';
import { baseUrl, screenshot, signInApi, signInUi } from './support';

/** Issue 10, point 5 (R34): the Staff page, the required first password change, the change-password dialog. */
test('an admin creates a colleague on the Staff page; the colleague must choose a password first; disabling ends it', async ({
  page,
  browser,
}) => {
  const tag = Date.now().toString(36);
  const colleague = { name: `Nora Newcomer ${tag}`, email: `nora-${tag}@e2e.test`, first: 'amber quarry violin 58' };
  await signInUi(page, ADMIN.email, ADMIN.password);
  await page.getByRole('link', { name: 'Staff' }).click();
  await expect(page.getByRole('heading', { name: 'Staff' })).toBeVisible();
  await expect(page.getByTestId('staff-table')).toContainText(ADMIN.email);

  await page.getByRole('button', { name: 'New staff account' }).click();
  const create = page.getByRole('dialog', { name: 'New staff account' });
  await create.getByLabel('Name').fill(colleague.name);
  await create.getByLabel('Email').fill(colleague.email);
  await create.getByLabel('Role').selectOption('SUPPORT');
  // A common password is refused, and the refusal says why.
  await create.getByLabel('First password').fill('password1234');
  await create.getByRole('button', { name: 'Create account' }).click();
  await expect(create.getByRole('alert')).toContainText('one of the most common passwords');
  await create.getByLabel('First password').fill(colleague.first);
  await expect(create.getByLabel('They choose their own password when they first sign in')).toBeChecked();
  await create.getByRole('button', { name: 'Create account' }).click();
  await expect(create).toBeHidden();
  const row = page.getByRole('row').filter({ hasText: colleague.email });
  await expect(row).toContainText('Active');
  await expect(row).toContainText('must change password');
  await screenshot(page, 'staff-page');

  // The colleague signs in and is asked for a new password before anything else.
  const context = await browser.newContext();
  const other = await context.newPage();
  await other.goto(baseUrl());
  await other.getByLabel('Email').fill(colleague.email);
  await other.getByLabel('Password').fill(colleague.first);
  await other.getByRole('button', { name: 'Sign in' }).click();
  const required = other.getByRole('region', { name: 'Choose a new password' });
  await expect(required).toBeVisible();
  await screenshot(other, 'staff-required-password-change');
  await required.getByLabel('Current password').fill(colleague.first);
  await required.getByLabel('New password', { exact: true }).fill('heron kiln saffron 204');
  await required.getByLabel('Repeat the new password').fill('heron kiln saffron 205');
  await required.getByRole('button', { name: 'Change password' }).click();
  await expect(required.getByRole('alert')).toContainText('The two new passwords differ');
  await required.getByLabel('Repeat the new password').fill('heron kiln saffron 204');
  await required.getByRole('button', { name: 'Change password' }).click();
  await expect(other.getByTestId('who')).toContainText(colleague.name);

  // The admin sees the flag gone, then disables the account: its session ends.
  await page.reload();
  await page.getByTestId('who').waitFor();
  await expect(row).not.toContainText('must change password');
  await row.getByRole('button', { name: 'Disable' }).click();
  const disable = page.getByRole('dialog', { name: `Disable ${colleague.name}` });
  await disable.getByLabel('Reason (optional)').fill('end of the trial');
  await disable.getByRole('button', { name: 'Disable account' }).click();
  await expect(row).toContainText('Disabled');
  // Its open console is signed out at once (its live stream ends) and says why.
  await expect(other.getByText('You were signed out (account disabled); sign in again')).toBeVisible({
    timeout: 15_000,
  });
  await other.getByLabel('Email').fill(colleague.email);
  await other.getByLabel('Password').fill('heron kiln saffron 204');
  await other.getByRole('button', { name: 'Sign in' }).click();
  await expect(other.getByRole('alert')).toContainText('This staff account is disabled');
  await context.close();

  // The last active admin (the e2e host has one) cannot be disabled: the server says so on the page.
  await page.getByRole('row').filter({ hasText: ADMIN.email }).getByRole('button', { name: 'Disable' }).click();
  await page.getByRole('button', { name: 'Disable account' }).click();
  await expect(page.getByRole('dialog').getByRole('alert')).toContainText('is the last active admin');
});

test('anyone changes their own password (the current one is asked) and signs out everywhere', async ({
  page,
  browser,
}) => {
  const tag = Date.now().toString(36);
  const me = { email: `fay-${tag}@e2e.test`, name: `Fay Finance ${tag}`, password: 'lichen compass marble 17' };
  const { client: admin } = await signInApi();
  await admin.staff.create.mutate({ ...me, role: 'FINANCE' });
  // A second sign-in elsewhere, which the change of password ends.
  const elsewhere = await browser.newContext();
  const second = await elsewhere.newPage();
  await signInUi(second, me.email, me.password);

  await signInUi(page, me.email, me.password);
  await page.getByRole('button', { name: 'Change password' }).click();
  const dialog = page.getByRole('dialog', { name: 'Change your password' });
  await dialog.getByLabel('Current password').fill('not my password at all');
  await dialog.getByLabel('New password', { exact: true }).fill('walnut ferry glacier 90');
  await dialog.getByLabel('Repeat the new password').fill('walnut ferry glacier 90');
  await dialog.getByRole('button', { name: 'Change password' }).click();
  await expect(dialog.getByRole('alert')).toContainText('The current password is not right');
  await dialog.getByLabel('Current password').fill(me.password);
  await dialog.getByRole('button', { name: 'Change password' }).click();
  await expect(dialog.getByRole('status')).toContainText('Your password was changed');
  await screenshot(page, 'staff-change-password');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(page.getByTestId('who')).toContainText(me.name);
  // The other sign-in ended; the new password signs in.
  await expect(second.getByText('You were signed out (password changed); sign in again')).toBeVisible({
    timeout: 15_000,
  });
  await signInUi(second, me.email, 'walnut ferry glacier 90');

  await page.getByRole('button', { name: 'Sign out everywhere' }).click();
  await page
    .getByRole('dialog', { name: 'Sign out everywhere' })
    .getByRole('button', { name: 'Sign out everywhere' })
    .click();
  // Said by the answer or by the live stream that ended with the session, whichever comes first.
  await expect(page.getByText(/signed out everywhere/)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await expect(second.getByText('You were signed out (signed out everywhere); sign in again')).toBeVisible({
    timeout: 15_000,
  });
  await elsewhere.close();
});
