import { PrivacyError } from '../../metering/privacy.ts';

/** What a read through a privacy view came to: 'allowed', or the PrivacyError's reason (any other error is thrown on). */
export function privacyVerdict(read: () => unknown): string {
  try {
    read();
  } catch (err) {
    if (err instanceof PrivacyError) return err.reason;
    throw err;
  }
  return 'allowed';
}
