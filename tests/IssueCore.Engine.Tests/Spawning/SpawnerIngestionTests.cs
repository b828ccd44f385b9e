using IssueCore.Engine.Tests.Ingestion;
using IssueCore.Enhance.Spawning;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Engine.Tests.Spawning;

public sealed class SpawnerIngestionTests
{
    [Fact]
    public async Task Request_without_a_patch_is_refused_at_ingestion_when_the_host_opts_in_and_no_spawner_is_registered()
    {
        using var fixture = new IngestionFixture(configure: o => o.RefuseWithoutPatchOrSpawner = true);

        var ex = await Assert.ThrowsAsync<ValidationException>(() => fixture.Ingestion.IngestAsync(IngestionFixture.ValidRequest()));

        var error = Assert.Single(ex.Errors);
        Assert.Equal("$.patch", error.Path);
        Assert.StartsWith(PatchSpawnerSelector.NoSpawnerReason, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await fixture.CountAsync());
    }

    [Fact]
    public async Task Request_without_a_patch_is_accepted_when_a_spawner_is_registered_even_with_the_refusal_on()
    {
        using var fixture = new IngestionFixture(s => s.AddIssueCorePatchSpawner(ScriptedSpawner.RecordingIntent()), o => o.RefuseWithoutPatchOrSpawner = true);

        var result = await fixture.Ingestion.IngestAsync(IngestionFixture.ValidRequest());

        Assert.True(result.Created);
        Assert.Equal(1, await fixture.CountAsync());
    }

    [Fact]
    public async Task Request_without_a_patch_is_accepted_by_default_and_left_to_the_dispatcher()
    {
        using var fixture = new IngestionFixture();

        var result = await fixture.Ingestion.IngestAsync(IngestionFixture.ValidRequest());

        Assert.True(result.Created);
    }
}
