import { expect, test } from '@playwright/test';
import { dayIn } from '../../src/shared/time-zones';
import { actionBar, baseUrl, screenshot, seedWorld, signInUi } from './support';

// The datetime-local input reads the viewer's zone: fix it so the test can type an instant.
test.use({ timezoneId: 'UTC' });

const DAY = 24 * 3600_000;
const localInput = (date: Date) => date.toISOString().slice(0, 16);

test('support moves a paid booking: the three time zones and the teacher’s day are shown; same payment, same link, both told', async ({
  page,
}) => {
  const world = await seedWorld();
  const { booking, paymentId } = await world.paidBooking();
  // Another booking of the same teacher on the day the booking moves to, so the dialog can show it.
  // Whole minutes: what a datetime-local input can say.
  const target = new Date(Math.floor((booking.startsAt.getTime() + DAY) / 60_000) * 60_000);
  const day = dayIn(target, world.teacher.timezone);
  const earlier = new Date(target.getTime() - 2 * 3600_000);
  const neighbour = await world.admin.bookings.create.mutate({
    studentId: world.student.id,
    gigId: world.gig.id,
    startsAt: earlier >= day.from ? earlier : new Date(target.getTime() + 2 * 3600_000),
    minutes: 60,
  });
  await expect
    .poll(async () => (await world.admin.bookings.get.query({ id: booking.id })).meeting?.joinUrl ?? null, {
      timeout: 15_000,
    })
    .not.toBeNull();
  const before = await world.admin.bookings.get.query({ id: booking.id });

  await signInUi(page, world.staff.support.email, world.staff.support.password);
  await page.goto(`${baseUrl()}/#/bookings/${booking.id}`);
  await actionBar(page).getByRole('button', { name: 'Move to another time' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByTestId('reschedule-start').fill(localInput(target));
  // Where each person lives: Madrid for the teacher, New York for the student (seedWorld).
  await expect(dialog.getByTestId('reschedule-zones')).toContainText('Europe/Madrid');
  await expect(dialog.getByTestId('reschedule-zones')).toContainText('America/New_York');
  await expect(dialog.getByTestId('reschedule-same-day')).toContainText(`#${neighbour.id}`);
  await dialog.getByTestId('reschedule-reason').fill('Student has an exam that morning');
  await screenshot(page, 'reschedule-dialog');
  await dialog.getByTestId('reschedule-submit').click();
  await expect(dialog).toHaveCount(0);

  await expect
    .poll(async () => (await world.admin.bookings.get.query({ id: booking.id })).startsAt.getTime())
    .toBe(target.getTime());
  const after = await world.admin.bookings.get.query({ id: booking.id });
  expect(after.paymentStatus).toBe('PAID');
  expect(after.rescheduleCount).toBe(1);
  const payments = await world.admin.payments.forBooking.query({ bookingId: booking.id });
  expect(payments.map((payment) => payment.id)).toEqual([paymentId]);
  // The meeting moved in place: same meeting, same link.
  expect(after.meeting?.zoomMeetingId).toBe(before.meeting?.zoomMeetingId);
  expect(after.meetingJoinUrl).toBe(before.meetingJoinUrl);
  await expect(page.getByTestId('emails')).toContainText('moved to a new time', { timeout: 15_000 });
  await expect
    .poll(
      async () =>
        (await world.admin.bookings.get.query({ id: booking.id })).emails.filter((email) =>
          email.subject.includes('moved to a new time'),
        ).length,
      { timeout: 15_000 },
    )
    .toBe(2);
  await expect(page.getByTestId('timeline')).toContainText('Student has an exam that morning');
});

test('a move onto the teacher’s other booking is refused with the server’s reason, and nothing moves', async ({
  page,
}) => {
  const world = await seedWorld();
  const first = await world.book();
  const second = await world.book();
  await world.admin.bookings.confirm.mutate({ id: first.id });
  await world.admin.bookings.confirm.mutate({ id: second.id });
  await signInUi(page, world.staff.support.email, world.staff.support.password);
  await page.goto(`${baseUrl()}/#/bookings/${first.id}`);
  await actionBar(page).getByRole('button', { name: 'Move to another time' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByTestId('reschedule-start').fill(localInput(second.startsAt));
  await expect(dialog.getByTestId('reschedule-same-day')).toContainText('overlaps the new time');
  await dialog.getByTestId('reschedule-reason').fill('Try the clash');
  await dialog.getByTestId('reschedule-submit').click();
  await expect(dialog.getByRole('alert')).toContainText('already has a pending or confirmed booking at the new time');
  const unchanged = await world.admin.bookings.get.query({ id: first.id });
  expect(unchanged.startsAt.getTime()).toBe(first.startsAt.getTime());
  expect(unchanged.rescheduleCount).toBe(0);
});
