using TopOfHeart.Contracts.Alerts;

namespace TopOfHeart.Grains.Alerts;

/// <summary>Where alert books announce every raised or changed alert (e.g. to the wall boards). Silo-local; must not block.</summary>
public interface IAlertFeed
{
    void Publish(Alert alert, bool raised);
}
