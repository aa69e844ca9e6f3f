// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { PointsSlider, pointsMax } from './points-slider.tsx';

afterEach(cleanup);

function Harness(props: { total: number; available: number; pointValue?: number }) {
  const [value, setValue] = useState(0);
  return (
    <PointsSlider
      totalMinor={props.total}
      currency="EUR"
      pointValueMinor={props.pointValue ?? 1}
      available={props.available}
      value={value}
      onChange={setValue}
    />
  );
}

const slider = () => screen.getByLabelText('Points to use') as HTMLInputElement;
const exact = () => screen.getByLabelText('Exact points to use') as HTMLInputElement;
const cashLeft = () => screen.getByTestId('cash-left').textContent ?? '';

describe('pointsMax', () => {
  it('is what the member has when the order costs more', () => {
    expect(pointsMax(10_000, 1, 2_500)).toBe(2_500);
  });
  it('is what the order costs when the member has more (never overpays)', () => {
    expect(pointsMax(4_500, 1, 1_000_000)).toBe(4_500);
    expect(pointsMax(4_501, 2, 1_000_000)).toBe(2_250); // a point is worth 2 cents: round down
  });
  it('is zero without points', () => {
    expect(pointsMax(4_500, 1, 0)).toBe(0);
  });
});

describe('PointsSlider', () => {
  it('runs from 0 to the smaller of balance and order total', () => {
    render(<Harness total={4_500} available={10_000} />);
    expect(slider().min).toBe('0');
    expect(slider().max).toBe('4500');
    render(<Harness total={100_000} available={2_500} />);
    expect((screen.getAllByLabelText('Points to use')[1] as HTMLInputElement).max).toBe('2500');
  });

  it('shows the cash left to pay as the points change', () => {
    render(<Harness total={4_500} available={10_000} />);
    expect(cashLeft()).toContain('45.00');
    fireEvent.change(slider(), { target: { value: '1500' } });
    expect(exact().value).toBe('1500');
    expect(cashLeft()).toContain('30.00');
    expect(slider().getAttribute('aria-valuetext')).toMatch(
      /1,500 pts used, .*30\.00 to pay by card/,
    );
  });

  it('clamps a typed amount to what is allowed', () => {
    render(<Harness total={4_500} available={2_000} />);
    fireEvent.change(exact(), { target: { value: '999999' } });
    expect(exact().value).toBe('2000');
    expect(cashLeft()).toContain('25.00');
    fireEvent.change(exact(), { target: { value: '-5' } });
    expect(exact().value).toBe('0');
  });

  it('uses the point value: 2 cents a point halves the points needed', () => {
    render(<Harness total={4_500} available={10_000} pointValue={2} />);
    expect(slider().max).toBe('2250');
    fireEvent.change(slider(), { target: { value: '2250' } });
    expect(cashLeft()).toContain('0.00');
  });

  it('is disabled and says why when the member has no points', () => {
    render(<Harness total={4_500} available={0} />);
    expect(slider().disabled).toBe(true);
    expect(screen.getByText(/No points can go toward this order/)).toBeTruthy();
  });
});
