// The median every figure of the HTTP bench is reduced with (the upper middle of an even
// count), shared by the measuring loop and the report so both reduce alike.
export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
