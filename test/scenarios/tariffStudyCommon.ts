/** What the tariff-study specs share: the sweep's tariffs and its peak window. */
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/cli.ts';

export const SWEEP = join(REPO_ROOT, 'scenarios/tariff-study/sweep.yaml');
export const TARIFFS = ['flat', 'tou', 'cpp', 'rtp', 'demand'] as const;
export type TariffId = (typeof TARIFFS)[number];
/** The time-of-use peak period and the critical-peak event window, UTC hours [from, to). */
export const WINDOW = { fromHour: 14, toHour: 19 };
export const hourOf = (iso: string): number => Number(iso.slice(11, 13)) + Number(iso.slice(14, 16)) / 60;
export const inWindow = (iso: string): boolean => hourOf(iso) >= WINDOW.fromHour && hourOf(iso) < WINDOW.toHour;
