export default function Home() {
  return <main>fresh</main>;
}
