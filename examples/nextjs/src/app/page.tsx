export default function Home() {
  return <p>Passfort webhooks are received at /api/webhooks/passfort.</p>;
}
