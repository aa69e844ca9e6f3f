import { useId } from 'react';
import { money, points } from '../app/format.ts';

export interface PointsSliderProps {
  /** Order total, integer minor units. */
  totalMinor: number;
  currency: string;
  /** Minor units one point pays for (POINT_VALUE_MINOR). */
  pointValueMinor: number;
  /** The member's spendable points (balance minus holds). */
  available: number;
  value: number;
  onChange: (points: number) => void;
}

/** Most points an order can take: what the member has, and no more than the order costs. */
export const pointsMax = (totalMinor: number, pointValueMinor: number, available: number): number =>
  Math.max(0, Math.min(available, Math.floor(totalMinor / pointValueMinor)));

/**
 * Points to put toward an order: a slider from 0 to what the member has and the order allows,
 * a number field for an exact amount, and the cash left to pay by card, kept in step.
 */
export function PointsSlider(props: PointsSliderProps) {
  const { totalMinor, currency, pointValueMinor, available, value, onChange } = props;
  const id = useId();
  const max = pointsMax(totalMinor, pointValueMinor, available);
  const used = Math.min(Math.max(0, value), max);
  const cash = totalMinor - used * pointValueMinor;
  const clamp = (n: number): number =>
    Number.isFinite(n) ? Math.min(max, Math.max(0, Math.floor(n))) : 0;
  const summary = `${points(used)} used, ${money(cash, currency)} to pay by card`;
  return (
    <fieldset className="points-slider">
      <legend>Pay with points</legend>
      <p className="muted">
        You have {points(available)}.{' '}
        {max === 0
          ? 'No points can go toward this order.'
          : `Up to ${points(max)} can go toward this order.`}
      </p>
      <div className="slider-row">
        <label htmlFor={`${id}-range`}>Points to use</label>
        <input
          id={`${id}-range`}
          type="range"
          min={0}
          max={max}
          step={1}
          value={used}
          disabled={max === 0}
          aria-valuetext={summary}
          onChange={(e) => onChange(clamp(Number(e.target.value)))}
        />
        <label htmlFor={`${id}-exact`} className="visually-hidden">
          Exact points to use
        </label>
        <input
          id={`${id}-exact`}
          type="number"
          inputMode="numeric"
          min={0}
          max={max}
          value={used}
          disabled={max === 0}
          onChange={(e) => onChange(clamp(Number(e.target.value)))}
        />
      </div>
      <p className="cash-left" aria-live="polite" data-testid="cash-left">
        {used > 0 ? `${points(used)} pay ${money(used * pointValueMinor, currency)}. ` : ''}
        Left to pay by card: <strong>{money(cash, currency)}</strong>
      </p>
    </fieldset>
  );
}
