export interface Address {
  name: string;
  line1: string;
  line2: string;
  city: string;
  postal_code: string;
  country: string;
}

export const emptyAddress: Address = {
  name: '',
  line1: '',
  line2: '',
  city: '',
  postal_code: '',
  country: '',
};

const fields: Array<{
  key: keyof Address;
  label: string;
  auto: string;
  required: boolean;
  max: number;
}> = [
  { key: 'name', label: 'Full name', auto: 'name', required: true, max: 200 },
  { key: 'line1', label: 'Address', auto: 'address-line1', required: true, max: 200 },
  {
    key: 'line2',
    label: 'Address line 2 (optional)',
    auto: 'address-line2',
    required: false,
    max: 200,
  },
  { key: 'city', label: 'City', auto: 'address-level2', required: true, max: 100 },
  { key: 'postal_code', label: 'Postal code', auto: 'postal-code', required: true, max: 20 },
];

/** A structured shipping address (the API's shape), with autofill hints. */
export function AddressFields({
  value,
  onChange,
}: {
  value: Address;
  onChange: (a: Address) => void;
}) {
  return (
    <fieldset className="address">
      <legend>Shipping address</legend>
      {fields.map((f) => (
        <div className="field" key={f.key}>
          <label htmlFor={`ship-${f.key}`}>{f.label}</label>
          <input
            id={`ship-${f.key}`}
            autoComplete={`shipping ${f.auto}`}
            required={f.required}
            maxLength={f.max}
            value={value[f.key]}
            onChange={(e) => onChange({ ...value, [f.key]: e.target.value })}
          />
        </div>
      ))}
      <div className="field field-narrow">
        <label htmlFor="ship-country">Country code</label>
        <input
          id="ship-country"
          autoComplete="shipping country"
          required
          pattern="[A-Za-z]{2}"
          maxLength={2}
          title="Two letters, e.g. PT"
          aria-describedby="ship-country-hint"
          value={value.country}
          onChange={(e) => onChange({ ...value, country: e.target.value.toUpperCase() })}
        />
        <p id="ship-country-hint" className="muted">
          Two letters, for example PT or GB.
        </p>
      </div>
    </fieldset>
  );
}
